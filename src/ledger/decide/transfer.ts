import type { CommandOf } from '../../messages/command.js';
import { parseAmount } from '../../money/money.js';
import { legKey, type TransactionRecord } from '../items.js';
import type { Draft } from './draft.js';

/**
 * transfer: the payer's balance −= amount (if its available covers it) and
 * the recipient's += amount, in one write. The recipient gets a record of
 * its own (a leg) so its history lists the transfer with its balance right
 * after it.
 */
export function decideTransfer(draft: Draft, command: CommandOf<'transfer'>): { record: TransactionRecord; legs: TransactionRecord[] } {
  const amount = parseAmount(command.amount);
  const payer = draft.user(command.userId);
  const recipient = draft.user(command.toUserId);
  if (!payer) return { record: draft.reject(command, 'user_not_found', null, amount), legs: [] };
  if (!recipient) return { record: draft.reject(command, 'recipient_not_found', payer, amount), legs: [] };
  if (draft.available(payer) < amount) return { record: draft.reject(command, 'insufficient_funds', payer, amount), legs: [] };
  const moved = moveMoney(draft, { from: payer.userId, to: recipient.userId, amount });
  const record = draft.applied(draft.base(command, moved.fromTime), amount, moved.from);
  const leg = legFor(draft, record, moved.to, moved.toTime);
  return { record, legs: [leg] };
}

/** Moves `amount` between two existing users (the caller checked the payer's available). */
export function moveMoney(draft: Draft, { from, to, amount }: { from: string; to: string; amount: bigint }) {
  const payer = draft.user(from);
  const recipient = draft.user(to);
  if (!payer || !recipient) throw new Error('moveMoney needs two existing users');
  const fromTime = draft.timeFor(payer);
  const toTime = draft.timeFor(recipient);
  const fromAfter = { ...draft.touched(payer, fromTime), balance: payer.balance - amount, version: payer.version + 1 };
  const toAfter = { ...draft.touched(recipient, toTime), balance: recipient.balance + amount, version: recipient.version + 1 };
  draft.setUser(fromAfter);
  draft.setUser(toAfter);
  return { from: fromAfter, to: toAfter, fromTime, toTime };
}

/** The other user's record of a two-user command: the same movement, seen from that user, with its balance after it. */
export function legFor(draft: Draft, main: TransactionRecord, user: Parameters<Draft['applied']>[2], timestamp: string): TransactionRecord {
  // Only the movement: the leg is not the command (no request fingerprint, no status of its own).
  const { request: _request, status: _status, amount: _amount, ...fields } = main;
  const base = { ...withoutOutcome(fields), idempotentKey: legKey(main.idempotentKey), transactionId: draft.ctx.newTransactionId(), userId: user.userId, timestamp, legOf: main.idempotentKey, counterpartyUserId: main.userId };
  return draft.applied(base, main.amount ?? 0n, user);
}

function withoutOutcome<T extends object>(fields: T): Omit<T, 'newBalance' | 'newHeld' | 'version' | 'reason'> {
  const { newBalance: _b, newHeld: _h, version: _v, reason: _r, ...rest } = fields as T & { newBalance?: unknown; newHeld?: unknown; version?: unknown; reason?: unknown };
  return rest;
}
