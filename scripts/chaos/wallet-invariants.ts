import type { TransactionRecord } from '../../src/ledger/model.js';
import { commandMills, type Command } from '../../src/messages/command.js';
import { exponentOf } from '../../src/money/currencies.js';
import { formatStored, isRepresentable } from '../../src/money/money.js';
import type { ChaosPlan, PlannedUser } from './command-plan.js';

/** The status each wallet command leaves (SPEC "Wallets"). */
const STATUS_AFTER: Readonly<Record<string, string>> = { open: 'active', freeze: 'frozen', unfreeze: 'active', close: 'closed' };

const takesOut = (record: TransactionRecord) =>
  ['debit', 'hold', 'capture'].includes(record.type) || (record.type === 'transfer' && record.legOf === undefined);

/**
 * The wallet rules over a whole run (SPEC "Wallets"), from the records as
 * DynamoDB holds them:
 *
 * - replaying each wallet's applied entries by version, nothing is applied
 *   after its close and nothing taken out while it is frozen; the status the
 *   replay ends at is the one stored on the user item; each opened user has
 *   exactly one applied open, its first entry; each user the prelude closed
 *   is closed; no user of the plan is ever `user_not_found`.
 * - every wallet refusal is one the wallet earned when it was decided.
 *   Every decision of a wallet (applied or refused) moves its decision time
 *   under a condition on the previous one, so a wallet's entries ordered by
 *   time are the order they were decided in: a `wallet_frozen` was decided
 *   while the last status change before it froze the wallet,
 *   `wallet_closed` / `recipient_closed` after the close, `wallet_exists`
 *   after the open (or on a seeded user); `wallet_not_empty` records money
 *   or holds left; `currency_mismatch` and `amount_not_representable` follow
 *   from the command and the wallet's currency alone.
 */
export function checkWallets(
  plan: ChaosPlan,
  records: TransactionRecord[],
  decided: ReadonlyMap<string, Command>,
  userItems: Record<string, unknown>[],
): { rulesHeld: boolean; problems: string[] } {
  const problems: string[] = [];
  let rulesHeld = true;
  const broken = (problem: string) => {
    rulesHeld = false;
    problems.push(problem);
  };
  const users = new Map(plan.users.map((user) => [user.userId, user]));
  const currencyOf = (userId: string) => users.get(userId)?.currency ?? 'USD';
  const storedStatus = new Map(userItems.map((item) => [String(item.userId), typeof item.status === 'string' ? item.status : 'active']));
  const byUser = new Map<string, TransactionRecord[]>();
  for (const record of records) byUser.set(record.userId, [...(byUser.get(record.userId) ?? []), record]);

  // Per wallet: the status changes in decision order, and the rules over its applied entries.
  const changes = new Map<string, { timestamp: string; status: string; key: string }[]>();
  for (const user of plan.users) {
    const applied = (byUser.get(user.userId) ?? [])
      .flatMap((record) => (record.status === 'applied' ? [record] : []))
      .sort((a, b) => a.version - b.version);
    const timeline: { timestamp: string; status: string; key: string }[] = [];
    let status = user.opened ? 'absent' : 'active';
    for (const record of applied) {
      if (status === 'closed') broken(`${user.userId}: ${record.type} ${record.idempotentKey} applied after the wallet was closed`);
      if (status === 'frozen' && takesOut(record))
        broken(`${user.userId}: ${record.type} ${record.idempotentKey} took money out of a frozen wallet`);
      const after = STATUS_AFTER[record.type];
      if (after === undefined) continue;
      status = after;
      timeline.push({ timestamp: record.timestamp, status, key: record.idempotentKey });
    }
    changes.set(user.userId, timeline);
    if (storedStatus.has(user.userId) && storedStatus.get(user.userId) !== status)
      broken(`${user.userId}: stored status ${storedStatus.get(user.userId)}, its entries leave ${status}`);
    const opens = applied.filter((record) => record.type === 'open');
    if (user.opened && (opens.length !== 1 || opens[0]?.version !== 1))
      broken(`${user.userId}: opened by ${opens.length} applied open(s)${opens.length === 1 ? ` at version ${opens[0]?.version}` : ''}`);
    if (!user.opened && opens.length > 0)
      broken(`${user.userId}: a seeded wallet was opened again by ${opens.map((record) => record.idempotentKey).join(', ')}`);
    if (user.closes && status !== 'closed') problems.push(`${user.userId}: the prelude closed it, its entries leave it ${status}`);
  }
  /** The wallet's status when a decision at `timestamp` was taken: what the last change before it left. */
  const statusAt = (user: PlannedUser | undefined, timestamp: string) => {
    if (!user) return 'absent';
    const before = (changes.get(user.userId) ?? []).filter((change) => change.timestamp < timestamp).at(-1);
    return before?.status ?? (user.opened ? 'absent' : 'active');
  };

  for (const record of records) {
    if (record.status !== 'rejected') continue;
    const user = users.get(record.userId);
    const command = decided.get(record.idempotentKey);
    const what = `${record.userId}: ${record.type} ${record.idempotentKey} refused ${record.reason}`;
    switch (record.reason) {
      case 'user_not_found':
        if (user && statusAt(user, record.timestamp) !== 'absent') broken(`${what}, but the wallet existed`);
        break;
      case 'wallet_frozen':
        if (statusAt(user, record.timestamp) !== 'frozen') broken(`${what} while ${statusAt(user, record.timestamp)}`);
        break;
      case 'wallet_closed':
        if (statusAt(user, record.timestamp) !== 'closed') broken(`${what} while ${statusAt(user, record.timestamp)}`);
        break;
      case 'recipient_closed': {
        const recipient = record.toUserId === undefined ? undefined : users.get(record.toUserId);
        if (statusAt(recipient, record.timestamp) !== 'closed')
          broken(`${what}: recipient ${record.toUserId ?? '-'} was ${statusAt(recipient, record.timestamp)}`);
        break;
      }
      case 'wallet_not_empty':
        if (record.newBalance === 0n && (record.newHeld ?? 0n) === 0n)
          broken(`${what} with nothing in it (newBalance ${formatStored(record.newBalance)})`);
        break;
      case 'wallet_exists':
        if (statusAt(user, record.timestamp) === 'absent') broken(`${what}, but no such wallet existed yet`);
        break;
      case 'currency_mismatch': {
        const named = command && 'currency' in command && command.type !== 'open' ? command.currency : undefined;
        const across =
          record.type === 'transfer' && record.toUserId !== undefined && currencyOf(record.toUserId) !== currencyOf(record.userId);
        if (!across && (named === undefined || named === currencyOf(record.userId)))
          broken(`${what}: named ${named ?? 'no currency'}, the wallet holds ${currencyOf(record.userId)}`);
        break;
      }
      case 'amount_not_representable': {
        const mills = command && commandMills(command);
        if (mills === undefined || isRepresentable(mills, exponentOf(currencyOf(record.userId))))
          broken(`${what}: ${command && 'amount' in command ? command.amount : 'no amount'} fits ${currencyOf(record.userId)}`);
        break;
      }
      default:
        break;
    }
  }
  return { rulesHeld, problems };
}
