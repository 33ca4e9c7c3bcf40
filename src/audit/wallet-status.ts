import { WALLET_STATUSES } from '../ledger/model.js';
import type { Discrepancy, StoredUser } from './audit-user.js';
import type { EntryFacts } from './entry-facts.js';

/** The status each wallet command leaves (SPEC "Wallets"). */
const STATUS_AFTER: Readonly<Record<string, string>> = { open: 'active', freeze: 'frozen', unfreeze: 'active', close: 'closed' };

/** Entries a frozen wallet refuses: what takes money out on its holder's behalf (an incoming transfer is a leg). */
const takesOut = (entry: EntryFacts) =>
  ['debit', 'hold', 'capture'].includes(entry.type) || (entry.type === 'transfer' && entry.legOf === undefined);

/**
 * The wallet's status and currency, replayed from its applied entries in
 * ledger order (SPEC "Wallets"): the status is the one the last open,
 * freeze, unfreeze or close left (active before any: items made before
 * wallets had a status are active), and the user item must hold it
 * (`stored_status`). Nothing is applied after a close, and nothing taken
 * out while frozen (`status_rule`). An applied entry that names a currency
 * names the wallet's (`entry_currency`; entries older than currencies name none).
 */
export function replayWalletStatus(user: StoredUser, applied: readonly EntryFacts[]): Discrepancy[] {
  const found: Discrepancy[] = [];
  const report = (kind: Discrepancy['kind'], idempotentKey: string | undefined, detail: string) =>
    found.push({ userId: user.userId, ...(idempotentKey !== undefined && { idempotentKey }), kind, detail });
  let status = 'active';
  let changedBy: EntryFacts | undefined;
  for (const entry of applied) {
    if (status === 'closed')
      report('status_rule', entry.idempotentKey, `${entry.type} applied after the wallet was closed by ${changedBy?.idempotentKey ?? '-'}`);
    else if (status === 'frozen' && takesOut(entry))
      report(
        'status_rule',
        entry.idempotentKey,
        `${entry.type} took money out while the wallet was frozen by ${changedBy?.idempotentKey ?? '-'}`,
      );
    const after = STATUS_AFTER[entry.type];
    if (after !== undefined) {
      status = after;
      changedBy = entry;
    }
    if (entry.currency !== undefined && user.currency !== undefined && entry.currency !== user.currency) {
      report('entry_currency', entry.idempotentKey, `entry in ${entry.currency}, the wallet holds ${user.currency}`);
    }
  }
  if (user.unreadable) return found;
  const stored = user.status ?? 'active';
  if (!(WALLET_STATUSES as readonly string[]).includes(stored)) {
    report('stored_status', applied.at(-1)?.idempotentKey, `stored status ${JSON.stringify(stored)} is no wallet status`);
  } else if (stored !== status) {
    const why = changedBy
      ? `the last status change (${changedBy.type} ${changedBy.idempotentKey}) leaves ${status}`
      : `no entry changed it from ${status}`;
    report(
      'stored_status',
      (changedBy ?? applied.at(-1))?.idempotentKey,
      `stored status ${user.status === undefined ? '(none: active)' : stored}, ${why}`,
    );
  }
  return found;
}
