import type { CommandOf } from '../../messages/command.js';
import { parseAmount } from '../../money/money.js';
import type { TransactionRecord } from '../model.js';
import type { Draft } from './draft.js';
import { walletRefusal } from './wallet-rules.js';
import { legFor, moveMoney } from './transfer.js';

/** The types whose money can be moved back; holds and releases move none, a reversal is not itself reversed. */
const REVERSIBLE = new Set(['credit', 'debit', 'transfer', 'capture']);

/**
 * reverse: moves the money of an applied credit, debit, transfer or capture
 * back the way it came, fully or in parts; the total reversed never exceeds
 * the original amount. A reversed credit and a reversed transfer take money
 * away again, so they need it to be available (`insufficient_funds`).
 */
export function decideReverse(draft: Draft, command: CommandOf<'reverse'>): { record: TransactionRecord; legs: TransactionRecord[] } {
  const requested = command.amount !== undefined ? parseAmount(command.amount) : undefined;
  const user = draft.user(command.userId);
  if (!user) return { record: draft.reject(command, 'user_not_found', null, requested), legs: [] };
  const only = (record: TransactionRecord) => ({ record, legs: [] });
  // An operator's correction: a frozen wallet still takes it, a closed one takes nothing.
  const refusal = walletRefusal(draft, command, user, { takesOut: false });
  if (refusal) return only(draft.reject(command, refusal, user, requested));
  const original = draft.reference(command.originalKey);
  if (!original || original.userId !== user.userId || original.legOf !== undefined)
    return only(draft.reject(command, 'original_not_found', user, requested));
  if (original.status !== 'applied' || !REVERSIBLE.has(original.type))
    return only(draft.reject(command, 'not_reversible', user, requested));
  const remaining = original.amount - (original.reversedAmount ?? 0n);
  const amount = requested ?? remaining;
  if (amount <= 0n || amount > remaining) return only(draft.reject(command, 'amount_exceeds_reversible', user, requested));
  const base = { ...draft.base(command, ''), originalType: original.type };

  if (original.type === 'transfer') {
    const recipient = original.toUserId === undefined ? null : draft.user(original.toUserId);
    if (!recipient || draft.available(recipient) < amount) return only(draft.reject(command, 'insufficient_funds', user, amount));
    const moved = moveMoney(draft, { from: recipient.userId, to: user.userId, amount });
    draft.setReference({ ...original, reversedAmount: (original.reversedAmount ?? 0n) + amount });
    const record = draft.applied({ ...base, timestamp: moved.toTime }, amount, moved.to);
    return { record, legs: [legFor(draft, record, moved.from, moved.fromTime)] };
  }
  const takesBack = original.type === 'credit';
  if (takesBack && draft.available(user) < amount) return only(draft.reject(command, 'insufficient_funds', user, amount));
  const timestamp = draft.timeFor(user);
  const after = {
    ...draft.touched(user, timestamp),
    balance: takesBack ? user.balance - amount : user.balance + amount,
    version: user.version + 1,
  };
  draft.setUser(after);
  draft.setReference({ ...original, reversedAmount: (original.reversedAmount ?? 0n) + amount });
  return only(draft.applied({ ...base, timestamp }, amount, after));
}
