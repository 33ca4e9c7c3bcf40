import { commandCents, type Command } from '../../messages/command.js';
import type { TransactionRecord, UserState } from '../items.js';
import { nextDecisionTime, type DecideContext } from './ledger-state.js';

export interface FamilyResult {
  record: TransactionRecord;
  /** The user's state after the command (unchanged for a rejection). */
  user: UserState | null;
}

/**
 * credit: balance += amount. debit: balance -= amount, only if that leaves it
 * at zero or above (SPEC rule 5); otherwise the sticky rejection
 * `insufficient_funds`. An unknown user is the sticky `user_not_found`.
 */
export function decideCreditDebit(command: Command, user: UserState | null, ctx: DecideContext): FamilyResult {
  const amount = commandCents(command);
  const timestamp = nextDecisionTime(user, ctx.now);
  const base = { idempotentKey: command.idempotentKey, transactionId: ctx.newTransactionId(), userId: command.userId, type: command.type, amount, timestamp };
  if (!user) return { record: { ...base, status: 'rejected', reason: 'user_not_found' }, user };
  const decided = { ...user, lastDecidedAt: timestamp };
  const newBalance = command.type === 'credit' ? user.balance + amount : user.balance - amount;
  if (newBalance < 0n) return { record: { ...base, status: 'rejected', reason: 'insufficient_funds' }, user: decided };
  const version = user.version + 1;
  return { record: { ...base, status: 'applied', newBalance, version }, user: { ...decided, balance: newBalance, version } };
}
