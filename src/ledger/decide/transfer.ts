import type { CommandOf } from '../../messages/command.js';
import { parseAmount } from '../../money/money.js';
import type { TransactionRecord } from '../model.js';
import { legKey, legReference } from '../legs.js';
import type { Draft } from './draft.js';
import { recipientRefusal, walletRefusal } from './wallet-rules.js';

/**
 * transfer: the payer's balance −= amount (if its available covers it) and
 * the recipient's += amount, in one write. The recipient gets a record of
 * its own (a leg) so its history lists the transfer with its balance right
 * after it.
 *
 * The funds are checked before the recipient, and without reading it: a
 * transfer the payer cannot afford is `insufficient_funds` whether or not
 * the recipient exists, so no one learns which ids exist by sending them.
 * Likewise a closed recipient or one in another currency is told only to a
 * payer who could afford the transfer.
 */
export function decideTransfer(draft: Draft, command: CommandOf<'transfer'>): { record: TransactionRecord; legs: TransactionRecord[] } {
  const amount = parseAmount(command.amount);
  const payer = draft.user(command.userId);
  if (!payer) return { record: draft.reject(command, 'user_not_found', null, amount), legs: [] };
  const refusal = walletRefusal(draft, command, payer, { takesOut: true });
  if (refusal) return { record: draft.reject(command, refusal, payer, amount), legs: [] };
  if (draft.available(payer) < amount) return { record: draft.reject(command, 'insufficient_funds', payer, amount), legs: [] };
  const recipient = draft.user(command.toUserId);
  if (!recipient) return { record: draft.reject(command, 'recipient_not_found', payer, amount), legs: [] };
  const refusedBy = recipientRefusal(draft, payer, recipient);
  if (refusedBy) return { record: draft.reject(command, refusedBy, payer, amount), legs: [] };
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
  // Its own key: a reference derived from the payer's record, never the payer's key (legs.ts).
  const idempotentKey = legKey(legReference(main.transactionId, user.userId));
  const base = {
    ...withoutOutcome(fields),
    idempotentKey,
    transactionId: draft.ctx.newTransactionId(),
    userId: user.userId,
    timestamp,
    legOf: main.idempotentKey,
    counterpartyUserId: main.userId,
  };
  return draft.applied(base, main.amount ?? 0n, user);
}

/**
 * The payer's state after the command is the payer's, and the keys it names
 * (a reversal's original) are the payer's keys: none of it goes on the leg.
 */
function withoutOutcome<T extends object>(
  fields: T,
): Omit<T, 'newBalance' | 'newHeld' | 'openHolds' | 'version' | 'reason' | 'hash' | 'originalKey' | 'holdKey'> {
  const {
    newBalance: _b,
    newHeld: _h,
    openHolds: _o,
    version: _v,
    reason: _r,
    hash: _x,
    originalKey: _k,
    holdKey: _hk,
    ...rest
  } = fields as T & {
    newBalance?: unknown;
    newHeld?: unknown;
    openHolds?: unknown;
    version?: unknown;
    reason?: unknown;
    hash?: unknown;
    originalKey?: unknown;
    holdKey?: unknown;
  };
  return rest;
}
