import { parseDecisionTime } from '../ledger/decide/decision-time.js';
import { formatStored, type Cents } from '../money/money.js';
import type { Discrepancy, StoredUser } from './audit-user.js';
import type { EntryFacts } from './entry-facts.js';

/**
 * The holds, and the state every entry records, rebuilt from the entries
 * (SPEC rule 6 for `held`; "Balances in time" reads an entry's state).
 *
 * Holds are opened by hold entries and closed by captures and releases;
 * at each entry's time the unexpired ones give its `newHeld`, and (on
 * entries stamped with a tiebreak, which record them) its `openHolds`. A
 * rejection records the wallet's balance as it stood: the `newBalance` of
 * the applied entry before it. At the end the holds the user item keeps are
 * exactly the rebuilt ones still open when the user was last written (its
 * `lastDecidedAt`: every write prunes the expired ones), keys, amounts and
 * expiries alike: a map removed or an expiry stretched by hand is reported.
 */
export function replayRecordedState(user: StoredUser, entries: readonly EntryFacts[], setAside: ReadonlySet<EntryFacts>): Discrepancy[] {
  const found: Discrepancy[] = [];
  const report = (kind: Discrepancy['kind'], idempotentKey: string | undefined, detail: string) =>
    found.push({ userId: user.userId, ...(idempotentKey !== undefined && { idempotentKey }), kind, detail });
  const open = new Map<string, { amount: Cents; expiresAt: string }>();
  const openAt = (at: number) => [...open].filter(([, hold]) => Date.parse(hold.expiresAt) > at);
  let balance: Cents | undefined;
  let lastTime: string | undefined;

  for (const entry of entries) {
    if (entry.unreadable || setAside.has(entry)) continue;
    if (entry.status === 'applied') {
      if (entry.type === 'hold' && entry.expiresAt !== undefined && entry.amount !== undefined)
        open.set(entry.idempotentKey, { amount: entry.amount, expiresAt: entry.expiresAt });
      if ((entry.type === 'capture' || entry.type === 'release') && entry.holdKey !== undefined) open.delete(entry.holdKey);
    } else if (entry.newBalance !== undefined && balance !== undefined && entry.newBalance !== balance) {
      report(
        'new_balance',
        entry.idempotentKey,
        `rejection records balance ${formatStored(entry.newBalance)}, the entry before it leaves ${formatStored(balance)}`,
      );
    }
    if (entry.status === 'applied') balance = entry.newBalance;
    if (entry.timestamp === undefined) continue;
    lastTime = entry.timestamp;
    const at = Date.parse(entry.timestamp);
    const held = openAt(at).reduce((sum, [, hold]) => sum + hold.amount, 0n);
    if (entry.newHeld !== undefined && held !== entry.newHeld)
      report('new_held', entry.idempotentKey, `newHeld ${formatStored(entry.newHeld)}, the replay gives ${formatStored(held)}`);
    // Entries stamped before the tiebreak existed recorded no open holds.
    const recordsHolds = entry.newHeld !== undefined && (parseDecisionTime(entry.timestamp)?.tiebreak ?? 1000) < 1000;
    if (recordsHolds) {
      const expected = schedule(openAt(at).map(([, hold]) => hold));
      const recorded = schedule(entry.openHolds ?? []);
      if (expected !== recorded)
        report('open_holds', entry.idempotentKey, `records open holds [${recorded}], the replay gives [${expected}]`);
    }
  }

  // The user item was last written at its lastDecidedAt (an item without one: at the last entry).
  const writtenAt = user.lastDecidedAt ?? lastTime;
  if (writtenAt === undefined || user.unreadable) return found;
  const at = Date.parse(writtenAt);
  const expected = holdsText(openAt(at));
  const stored = holdsText([...(user.holds ?? new Map())]);
  if (expected !== stored) {
    const sum = (holds: [string, { amount: Cents }][]) => formatStored(holds.reduce((total, [, hold]) => total + hold.amount, 0n));
    report(
      'stored_held',
      entries.at(-1)?.idempotentKey,
      `open holds on the user item [${stored}] (held ${sum([...(user.holds ?? new Map())])}), the entries give [${expected}] (held ${sum(openAt(at))}) as of ${writtenAt}`,
    );
  }
  return found;
}

function holdsText(holds: [string, { amount: Cents; expiresAt: string }][]): string {
  return holds
    .map(([key, hold]) => `${key}=${formatStored(hold.amount)} until ${hold.expiresAt}`)
    .sort()
    .join(', ');
}

function schedule(holds: readonly { amount: Cents; expiresAt: string }[]): string {
  return holds
    .map((hold) => `${formatStored(hold.amount)} until ${hold.expiresAt}`)
    .sort()
    .join(', ');
}
