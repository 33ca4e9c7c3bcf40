import { OneEffectError } from '../errors.js';
import type { Reply } from '../messages/reply.js';
import type { HistoryEntry } from '../query/history.js';
import type { Wallet } from '../wallet.js';

export interface OneEffectExpectation {
  /** The command that was delivered (its key, user, type and amount are read). */
  command: { idempotentKey: string; userId: string; type?: string; amount?: string };
  /** Every reply received for it, one per delivery. */
  replies: Reply[];
  /** How many deliveries were sent (default: as many as replies): each must have been answered. */
  deliveries?: number;
  /**
   * The user's balance before the first delivery (`getCurrentBalance`). When given, for a
   * credit, debit or transfer the balance must have moved by the amount exactly once.
   */
  balanceBefore?: string;
}

/**
 * "One effect, every delivery answered, replays marked", read from the
 * ledger through the public query API: the user's history holds exactly one
 * entry under the key; every delivery got a reply; the replies are identical
 * but for `replayed`, at most one of them is not a replay (none when the
 * first delivery crashed before replying); they agree with the entry; the
 * stored balance is the newest entry's balance after it (SPEC rule 6); and,
 * given `balanceBefore`, the money moved once. Throws OneEffectError listing
 * every problem; resolves with the ledger entry.
 */
export async function expectOneEffect(wallet: Wallet, expectation: OneEffectExpectation): Promise<HistoryEntry> {
  const { problems, entry } = await checkOneEffect(wallet, expectation);
  if (problems.length > 0 || !entry) throw new OneEffectError(problems);
  return entry;
}

/** The checks of expectOneEffect, returned instead of thrown. */
export async function checkOneEffect(
  wallet: Wallet,
  { command, replies, deliveries = replies.length, balanceBefore }: OneEffectExpectation,
): Promise<{ problems: string[]; entry?: HistoryEntry }> {
  const problems: string[] = [];
  const key = command.idempotentKey;
  if (replies.length !== deliveries) problems.push(`${deliveries} deliveries but ${replies.length} replies`);
  if (replies.length === 0) problems.push('no reply at all');
  const foreign = replies.filter((reply) => reply.idempotentKey !== key);
  if (foreign.length > 0) problems.push(`${foreign.length} replies for another key (${foreign[0]?.idempotentKey})`);
  const fresh = replies.filter((reply) => !reply.replayed).length;
  if (fresh > 1) problems.push(`${fresh} replies with replayed: false (at most one delivery decides; the others replay)`);
  const [first] = replies;
  const differing = replies.filter((reply) => first && sameBut(reply) !== sameBut(first));
  if (differing.length > 0) problems.push(`replies differ beyond replayed: ${sameBut(first)} vs ${sameBut(differing[0])}`);

  const history = await fullHistory(wallet, command.userId);
  const entries = history.filter((item) => item.idempotentKey === key && item.userId === command.userId);
  if (entries.length !== 1) problems.push(`${entries.length} ledger entries under ${key} for ${command.userId}, expected 1`);
  const [entry] = entries;
  if (entry && first) {
    if (entry.status !== first.status) problems.push(`ledger says ${entry.status}, replies say ${first.status}`);
    if (first.transactionId !== undefined && entry.transactionId !== first.transactionId)
      problems.push(`ledger transactionId ${entry.transactionId}, replies ${first.transactionId}`);
    if (first.newBalance !== undefined && entry.newBalance !== first.newBalance)
      problems.push(`ledger newBalance ${entry.newBalance}, replies ${first.newBalance}`);
  }

  const { balance } = await wallet.getCurrentBalance({ userId: command.userId });
  const newest = history.find((item) => item.status === 'applied');
  if (newest?.newBalance !== undefined && thousandths(newest.newBalance) !== thousandths(balance)) {
    problems.push(`stored balance ${balance}, newest entry (${newest.idempotentKey}) says ${newest.newBalance}`);
  }
  const sign = { credit: 1n, debit: -1n, transfer: -1n }[command.type ?? ''];
  if (balanceBefore !== undefined && sign !== undefined && command.amount !== undefined && entry?.status === 'applied') {
    const expected = thousandths(balanceBefore) + sign * thousandths(command.amount);
    if (thousandths(balance) !== expected)
      problems.push(`balance ${balance} after a ${command.type} of ${command.amount} from ${balanceBefore}`);
  }
  return { problems, ...(entry && { entry }) };
}

/** A reply without what may differ between deliveries (SPEC "Reply message"). */
function sameBut(reply: Reply | undefined): string {
  if (!reply) return '';
  const rest: Record<string, unknown> = { ...reply };
  delete rest.replayed;
  delete rest.repliedAt;
  return JSON.stringify(Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))));
}

/** Every entry of the user, newest first. */
async function fullHistory(wallet: Wallet, userId: string): Promise<HistoryEntry[]> {
  const items: HistoryEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await wallet.listTransactions({ userId, limit: 100, ...(cursor && { cursor }) });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** A decimal string as a whole number of thousandths (amounts have at most 3 fractional digits). */
function thousandths(decimal: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,3}))?$/.exec(decimal);
  if (!match) throw new Error(`not a decimal amount: ${JSON.stringify(decimal)}`);
  const value = BigInt(match[2] ?? '0') * 1000n + BigInt((match[3] ?? '').padEnd(3, '0'));
  return match[1] ? -value : value;
}
