import type { CommandOf } from '../../messages/command.js';
import { parseAmount } from '../../money/money.js';
import type { TransactionRecord } from '../model.js';
import type { Draft } from './draft.js';
import { walletRefusal } from './wallet-rules.js';

/**
 * credit: balance += amount. debit: balance −= amount, only if `available`
 * (the balance less open holds) covers it (SPEC rule 5); otherwise the sticky
 * `insufficient_funds`. An unknown user is the sticky `user_not_found`; a
 * wallet's status and currency come first (wallet-rules.ts).
 */
export function decideCreditDebit(draft: Draft, command: CommandOf<'credit' | 'debit'>): TransactionRecord {
  const amount = parseAmount(command.amount);
  const user = draft.user(command.userId);
  if (!user) return draft.reject(command, 'user_not_found', null, amount);
  const refusal = walletRefusal(draft, command, user, { takesOut: command.type === 'debit' });
  if (refusal) return draft.reject(command, refusal, user, amount);
  if (command.type === 'debit' && draft.available(user) < amount) return draft.reject(command, 'insufficient_funds', user, amount);
  const timestamp = draft.timeFor(user);
  const after = {
    ...draft.touched(user, timestamp),
    balance: command.type === 'credit' ? user.balance + amount : user.balance - amount,
    version: user.version + 1,
  };
  draft.setUser(after);
  return draft.applied(draft.base(command, timestamp), amount, after);
}
