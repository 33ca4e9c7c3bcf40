import { describe, expect, it } from 'vitest';
import { auditUser, type StoredUser } from '../../src/audit/audit-user.js';
import type { EntryFacts } from '../../src/audit/entry-facts.js';

/**
 * The audit replays a wallet's status and currency from its entries (SPEC
 * "Wallets"): the user item's status is the one its last applied open,
 * freeze, unfreeze or close left (an item without status, and a wallet with
 * no such entry, is active); no entry is applied after a close, nothing is
 * taken out while frozen; every applied entry is in the wallet's currency.
 */
const at = (second: number) => `2026-12-05T08:00:${String(second).padStart(2, '0')}.000000Z`;
const entry = (version: number, type: string, amount: bigint, newBalance: bigint, extra: Partial<EntryFacts> = {}): EntryFacts => ({
  idempotentKey: `k${version}`,
  status: 'applied',
  type,
  amount,
  newBalance,
  newHeld: 0n,
  version,
  timestamp: at(version),
  currency: 'EUR',
  ...extra,
});

const opened = entry(1, 'open', 0n, 0n);
const credit = entry(2, 'credit', 5000n, 5000n);
const freeze = entry(3, 'freeze', 0n, 5000n);
const debit = entry(4, 'debit', 5000n, 0n);
const unfreeze = entry(4, 'unfreeze', 0n, 5000n);
const drain = entry(5, 'debit', 5000n, 0n);
const close = entry(6, 'close', 0n, 0n);
const wallet = (status: string | undefined, version: number, balance = 0n): StoredUser => ({
  userId: 'u',
  balance,
  version,
  lastDecidedAt: at(version),
  holds: new Map(),
  currency: 'EUR',
  ...(status !== undefined && { status }),
});

const kinds = (stored: StoredUser, entries: EntryFacts[]) =>
  auditUser(stored, entries)
    .discrepancies.map((found) => `${found.kind} ${found.idempotentKey ?? '-'}`)
    .sort();

describe('audit: wallet status and currency replayed from the entries', () => {
  it.each<[string, StoredUser, EntryFacts[], string[]]>([
    ['opened, frozen, unfrozen, drained and closed: closed', wallet('closed', 6), [opened, credit, freeze, unfreeze, drain, close], []],
    ['frozen as its last status change says', wallet('frozen', 3, 5000n), [opened, credit, freeze], []],
    [
      'a legacy item without status and no status entry is active',
      { ...wallet(undefined, 1, 5000n), currency: undefined },
      [{ ...credit, version: 1, currency: undefined }],
      [],
    ],
    ['a legacy item without status after a freeze', wallet(undefined, 3, 5000n), [opened, credit, freeze], ['stored_status k3']],
    [
      'a closed wallet set active again by hand',
      wallet('active', 6),
      [opened, credit, freeze, unfreeze, drain, close],
      ['stored_status k6'],
    ],
    ['a frozen wallet unfrozen by hand', wallet('active', 3, 5000n), [opened, credit, freeze], ['stored_status k3']],
    ['a status no wallet can have', wallet('paused', 2, 5000n), [opened, credit], ['stored_status k2']],
    ['money taken out while frozen', wallet('frozen', 4), [opened, credit, freeze, debit], ['status_rule k4']],
    [
      'an entry applied after the close',
      wallet('closed', 7, 1000n),
      [opened, credit, freeze, unfreeze, drain, close, entry(7, 'credit', 1000n, 1000n)],
      ['status_rule k7'],
    ],
    [
      'an entry in another currency than the wallet’s',
      wallet('active', 2, 5000n),
      [opened, { ...credit, currency: 'USD' }],
      ['entry_currency k2'],
    ],
  ])('%s', (_name, stored, entries, expected) => {
    expect(kinds(stored, entries)).toEqual(expected);
  });
});
