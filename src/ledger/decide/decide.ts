import { commandCents } from '../../messages/command.js';
import { isSameCommand } from '../outcome.js';
import { decideCreditDebit } from './credit-debit.js';
import type { Answer, CommandToDecide, DecideContext, DecideResult, Decision, LedgerState, UserTransition } from './ledger-state.js';

/**
 * The ledger rules, as a pure state machine: the known state (users, and
 * records already stored under some keys) and a list of commands go in, in
 * the order they must be decided; one result per command and each touched
 * user's transition come out. Each command sees the state the previous ones
 * left, so the second command of a user in a group is decided on the first
 * one's balance (SPEC rule 6).
 *
 * - A key with a stored record is answered from it (SPEC rules 3 and 4):
 *   the same command is a replay; a different one is refused as
 *   `idempotency_key_reused`, revealing nothing of the original.
 * - Otherwise the command is decided by its family's rules and its record
 *   is written together with its users' transitions.
 *
 * Every user a new decision reads must be in `state.users` (null when it
 * does not exist), and a key appears at most once; the caller sees to both.
 */
export function decide(state: LedgerState, commands: readonly CommandToDecide[], ctx: DecideContext): DecideResult {
  const transitions = new Map<string, UserTransition>();
  const keys = new Set<string>();
  const current = (userId: string) => {
    const known = transitions.get(userId);
    if (known) return known.after;
    const user = state.users.get(userId);
    if (user === undefined) throw new Error(`decide: user ${userId} was not loaded`);
    return user;
  };
  const results = commands.map(({ command, ownTransactionIds }): Decision | Answer => {
    if (keys.has(command.idempotentKey)) throw new Error(`decide: key ${command.idempotentKey} appears twice`);
    keys.add(command.idempotentKey);
    const stored = state.records.get(command.idempotentKey);
    if (stored) {
      if (!isSameCommand(stored, command, commandCents(command))) {
        return { command, outcome: { kind: 'key_reused', command, decidedAt: stored.timestamp } };
      }
      // One of this process's own earlier attempts committed (its answer was lost): not a replay.
      return { command, outcome: { kind: 'decided', record: stored, replayed: !ownTransactionIds?.has(stored.transactionId) } };
    }
    const before = current(command.userId);
    const { record, user } = decideCreditDebit(command, before, ctx);
    const transition = transitions.get(command.userId) ?? { before, after: before };
    transitions.set(command.userId, { before: transition.before, after: user });
    return { command, record, userIds: [command.userId] };
  });
  return { results, decisions: results.filter((result): result is Decision => 'record' in result), users: transitions };
}
