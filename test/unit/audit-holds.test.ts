import { describe, expect, it } from 'vitest';
import { auditUser, type StoredUser } from '../../src/audit/audit-user.js';
import type { EntryFacts } from '../../src/audit/entry-facts.js';

const T = '2026-12-05T08:00:00.000000Z';
const LATER = '2026-12-05T08:00:01.000000Z';
const EXPIRES = '2026-12-05T09:00:00.000Z';

const hold: EntryFacts = {
  idempotentKey: 'h',
  status: 'applied',
  type: 'hold',
  amount: 3000n,
  expiresAt: EXPIRES,
  timestamp: T,
  newBalance: 10000n,
  newHeld: 3000n,
  openHolds: [{ amount: 3000n, expiresAt: EXPIRES }],
  version: 1,
};
const refusal: EntryFacts = {
  idempotentKey: 'r',
  status: 'rejected',
  type: 'debit',
  timestamp: LATER,
  newBalance: 10000n,
  newHeld: 3000n,
  openHolds: [{ amount: 3000n, expiresAt: EXPIRES }],
};
const user: StoredUser = {
  userId: 'u',
  balance: 10000n,
  version: 1,
  lastDecidedAt: LATER,
  holds: new Map([['h', { amount: 3000n, expiresAt: EXPIRES }]]),
};

const kinds = (stored: StoredUser, entries: EntryFacts[]) =>
  auditUser(stored, entries)
    .discrepancies.map((found) => `${found.kind} ${found.idempotentKey ?? '-'}`)
    .sort();

describe('audit: holds and the state every entry records, rebuilt from the entries', () => {
  it.each<[string, StoredUser, EntryFacts[], string[]]>([
    ['a clean wallet with an open hold and a rejection', user, [hold, refusal], []],
    ['the holds map removed from the user item', { ...user, holds: new Map() }, [hold, refusal], ['stored_held r']],
    ['the holds attribute absent altogether', (({ holds: _h, ...rest }) => rest)(user), [hold, refusal], ['stored_held r']],
    [
      'an open hold’s expiry stretched on the user item',
      { ...user, holds: new Map([['h', { amount: 3000n, expiresAt: '2027-01-04T09:00:00.000Z' }]]) },
      [hold, refusal],
      ['stored_held r'],
    ],
    [
      'a hold that expired before the last write is rightly gone',
      { ...user, lastDecidedAt: '2026-12-05T10:00:00.000000Z', holds: new Map() },
      [hold],
      [],
    ],
    ['a rejection recording another balance', user, [hold, { ...refusal, newBalance: 1n }], ['new_balance r']],
    ['a rejection recording other open holds', user, [hold, { ...refusal, openHolds: [] }], ['open_holds r']],
    [
      'an entry without tiebreak (written before entries recorded open holds) is not asked for them',
      user,
      [{ ...hold, timestamp: '2026-12-05T08:00:00.000Z', openHolds: undefined } as EntryFacts],
      [],
    ],
  ])('%s', (_name, stored, entries, expected) => {
    expect(kinds(stored, entries)).toEqual(expected);
  });
});
