import { commandCents, commandFingerprint, type Command } from '../../messages/command.js';
import type { TransactionRecord } from '../model.js';
import { decideCreditDebit } from './credit-debit.js';
import { Draft } from './draft.js';
import { decideCaptureOrRelease, decideHold } from './holds.js';
import type { Answer, CommandToDecide, DecideContext, DecideResult, Decision, LedgerState } from './ledger-state.js';
import { decideReverse } from './reverse.js';
import { decideTransfer } from './transfer.js';
import { decideClose, decideFreezeOrUnfreeze, decideOpen } from './wallets.js';

/**
 * The ledger rules, as a pure state machine: the known state (users, and
 * records) and a list of commands go in, in the order they must be decided;
 * one result per command and each touched item's transition come out. Each
 * command sees the state the previous ones left, so the second command of a
 * user in a group is decided on the first one's balance (SPEC rule 6).
 *
 * - A key with a stored record is answered from it (SPEC rules 3 and 4):
 *   the same command is a replay; a different one (any field of any type) is
 *   refused as `idempotency_key_reused`, revealing nothing of the original.
 * - Otherwise the command is decided by its family's rules; its records are
 *   written together with the transitions of everything it read.
 *
 * Every user and referenced record a new decision reads must be in `state`
 * (null when it does not exist: see `readsOf`), and a key appears at most
 * once; the caller sees to both.
 */
export function decide(state: LedgerState, commands: readonly CommandToDecide[], ctx: DecideContext): DecideResult {
  const draft = new Draft(state, ctx);
  const keys = new Set<string>();
  const results = commands.map(({ command, ownTransactionIds }): Decision | Answer => {
    if (keys.has(command.idempotentKey)) throw new Error(`decide: key ${command.idempotentKey} appears twice`);
    keys.add(command.idempotentKey);
    const stored = state.records.get(command.idempotentKey);
    if (stored) {
      // Refused now: the time of the refusal, never the original's (nothing of it is revealed, rule 4).
      if (!isSameCommand(stored, command))
        return { command, outcome: { kind: 'key_reused', command, decidedAt: new Date(ctx.now).toISOString() } };
      // One of this process's own earlier attempts committed (its answer was lost): not a replay.
      return { command, outcome: { kind: 'decided', record: stored, replayed: !ownTransactionIds?.has(stored.transactionId) } };
    }
    const reads = draft.nextCommand();
    const { record, legs } = decideOne(draft, command);
    return { command, record, legs, userIds: [...reads.userIds], references: [...reads.references] };
  });
  return {
    results,
    decisions: results.filter((result): result is Decision => 'record' in result),
    users: draft.users,
    references: draft.references,
  };
}

function decideOne(draft: Draft, command: Command): { record: TransactionRecord; legs: TransactionRecord[] } {
  switch (command.type) {
    case 'credit':
    case 'debit':
      return { record: decideCreditDebit(draft, command), legs: [] };
    case 'transfer':
      return decideTransfer(draft, command);
    case 'hold':
      return { record: decideHold(draft, command), legs: [] };
    case 'capture':
    case 'release':
      return { record: decideCaptureOrRelease(draft, command), legs: [] };
    case 'reverse':
      return decideReverse(draft, command);
    case 'open':
      return { record: decideOpen(draft, command), legs: [] };
    case 'freeze':
    case 'unfreeze':
      return { record: decideFreezeOrUnfreeze(draft, command), legs: [] };
    case 'close':
      return { record: decideClose(draft, command), legs: [] };
  }
}

/** The users and records a command reads, given the records loaded so far (a reversed transfer reads its recipient too). */
export function readsOf(
  command: Command,
  records: ReadonlyMap<string, TransactionRecord | null>,
): { userIds: string[]; references: string[] } {
  switch (command.type) {
    case 'transfer':
      return { userIds: [command.userId, command.toUserId], references: [] };
    case 'capture':
    case 'release':
      return { userIds: [command.userId], references: [command.holdKey] };
    case 'reverse': {
      const original = records.get(command.originalKey);
      const recipient = original?.type === 'transfer' && original.userId === command.userId ? original.toUserId : undefined;
      return { userIds: [command.userId, ...(recipient !== undefined ? [recipient] : [])], references: [command.originalKey] };
    }
    default:
      return { userIds: [command.userId], references: [] };
  }
}

/**
 * Same command = the same fingerprint (every field of every type, amounts as
 * money). Records older than the fingerprint are credits and debits: same
 * user, type and amount.
 */
export function isSameCommand(stored: TransactionRecord, command: Command): boolean {
  if (stored.request !== undefined) return stored.request === commandFingerprint(command);
  return (
    (command.type === 'credit' || command.type === 'debit') &&
    stored.userId === command.userId &&
    stored.type === command.type &&
    stored.amount === commandCents(command)
  );
}
