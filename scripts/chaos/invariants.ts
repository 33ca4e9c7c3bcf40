import { balanceEffect } from '../../src/ledger/effects.js';
import { heldAt, type AppliedRecord, type TransactionRecord } from '../../src/ledger/model.js';
import { recordFromItem } from '../../src/ledger/item-codec.js';
import { replyForOutcome } from '../../src/ledger/replies.js';
import { commandFingerprint, commandMills, type Command } from '../../src/messages/command.js';
import type { Reply } from '../../src/messages/reply.js';
import { formatStored, parseStoredNumber } from '../../src/money/money.js';
import type { ChaosPlan } from './command-plan.js';
import { checkWallets } from './wallet-invariants.js';

/** Everything read back after the run: DynamoDB as it is, every reply, what is left on the queues. */
export interface ChaosEvidence {
  plan: ChaosPlan;
  transactionItems: Record<string, unknown>[];
  userItems: Record<string, unknown>[];
  replies: Reply[];
  unparseableReplies: number;
  leftOnQueues: { command: number; deadLetter: number };
}

export interface ChaosVerdict {
  /** Commands with no decided outcome in DynamoDB (dead-lettered and never redriven ones included). */
  lost: number;
  /** Commands decided or applied more than once (two different outcomes seen, or a second record). */
  doubleApplied: number;
  negativeBalances: number;
  /** SPEC rule 6 holds for every user. */
  ledgerConsistent: boolean;
  /** Commands sent that never got a reply. */
  repliesMissing: number;
  problems: string[];
}

/**
 * The invariants a chaos run must keep, checked against the plan (the
 * expected-outcome model), DynamoDB and the replies.
 *
 * A key sent with several payloads (a reused key) has exactly one recorded
 * outcome, which must be one of those payloads (whichever was decided first);
 * every reply to that payload equals the record's reply but for `replayed`,
 * and every reply to any other payload is `idempotency_key_reused` echoing
 * that payload. Invalid bodies get `invalid_command` and leave no record.
 * A command the plan predicts an outcome for (`expected`) has it when it is
 * the one decided; the wallet rules are checked in wallet-invariants.ts.
 */
export function checkInvariants(evidence: ChaosEvidence): ChaosVerdict {
  const problems: string[] = [];
  const verdict = { lost: 0, doubleApplied: 0, negativeBalances: 0, ledgerConsistent: true, repliesMissing: 0 };
  const records = new Map<string, TransactionRecord>();
  for (const item of evidence.transactionItems) {
    const record = recordFromItem(item);
    if (records.has(record.idempotentKey)) {
      verdict.doubleApplied++;
      problems.push(`two records for key ${record.idempotentKey}`);
    }
    records.set(record.idempotentKey, record);
  }
  const repliesByKey = groupBy(evidence.replies, (reply) => reply.idempotentKey);
  const commandsByKey = groupBy(evidence.plan.commands, (planned) => planned.command.idempotentKey);
  /** The command each record decided: what the wallet checks read its named currency and amount from. */
  const decided = new Map<string, Command>();

  for (const [key, planned] of commandsByKey) {
    const record = records.get(key);
    const replies = repliesByKey.get(key) ?? [];
    for (const { command } of planned) {
      if (!replies.some((reply) => sameCommand(reply, command))) {
        verdict.repliesMissing++;
        problems.push(`no reply to ${describe(command)}`);
      }
    }
    if (!record) {
      verdict.lost++;
      problems.push(
        `no outcome recorded for key ${key}; its replies: ${replies.map((reply) => JSON.stringify(reply)).join(' ') || 'none'}`,
      );
      continue;
    }
    const winner = planned.find(({ command }) => sameCommand(record, command));
    if (!winner) {
      problems.push(`record for ${key} (${record.userId} ${record.type} ${formatStored(record.amount ?? 0n)}) matches no command sent`);
      continue;
    }
    decided.set(key, winner.command);
    const outcome = record.status === 'applied' ? 'applied' : record.reason;
    if (winner.expected && !winner.expected.includes(outcome)) {
      verdict.ledgerConsistent = false;
      problems.push(`${describe(winner.command)} was ${outcome}, the plan expects ${winner.expected.join(' or ')}`);
    }
    const expected = canonical(replyForOutcome({ kind: 'decided', record, replayed: false }, 'USD'));
    // The record's own outcome counts: a reply with any other decision means a second one was made.
    const outcomes = new Set<string>([expected]);
    for (const reply of replies) {
      if (sameCommand(reply, winner.command) && reply.reason !== 'idempotency_key_reused') {
        outcomes.add(canonical(reply));
        if (canonical(reply) !== expected) problems.push(`reply for ${key} differs from its record: ${canonical(reply)} vs ${expected}`);
      } else if (reply.reason !== 'idempotency_key_reused') {
        outcomes.add(canonical(reply));
        problems.push(`reply for ${key} decided a payload other than the recorded one: ${canonical(reply)}`);
      } else if (sameCommand(reply, winner.command)) {
        problems.push(`the recorded command of ${key} was told its key was reused`);
      } else if (reply.transactionId !== undefined || reply.newBalance !== undefined) {
        problems.push(`idempotency_key_reused reply for ${key} reveals the original: ${canonical(reply)}`);
      }
    }
    if (outcomes.size > 1) verdict.doubleApplied++;
  }

  for (const { idempotentKey } of evidence.plan.invalid) {
    const replies = repliesByKey.get(idempotentKey) ?? [];
    if (replies.length === 0) {
      verdict.repliesMissing++;
      problems.push(`no reply to invalid body ${idempotentKey}`);
    } else if (replies.some((reply) => reply.reason !== 'invalid_command')) {
      problems.push(`invalid body ${idempotentKey} got ${replies.map((reply) => reply.reason ?? reply.status).join(',')}`);
    }
    if (records.has(idempotentKey)) problems.push(`invalid body ${idempotentKey} was written to DynamoDB`);
  }
  for (const [key, record] of records) if (!commandsByKey.has(record.legOf ?? key)) problems.push(`record for a key never sent: ${key}`);
  for (const key of repliesByKey.keys()) {
    if (!commandsByKey.has(key) && !evidence.plan.invalid.some((body) => body.idempotentKey === key))
      problems.push(`reply for a key never sent: ${key}`);
  }

  checkLedgers(evidence, [...records.values()], verdict, problems);
  const wallets = checkWallets(evidence.plan, [...records.values()], decided, evidence.userItems);
  if (!wallets.rulesHeld) verdict.ledgerConsistent = false;
  problems.push(...wallets.problems);
  if (evidence.unparseableReplies > 0) problems.push(`${evidence.unparseableReplies} replies do not match the reply schema`);
  if (evidence.leftOnQueues.command > 0) problems.push(`${evidence.leftOnQueues.command} messages left on the command queue`);
  if (evidence.leftOnQueues.deadLetter > 0) {
    verdict.lost += evidence.leftOnQueues.deadLetter;
    problems.push(`${evidence.leftOnQueues.deadLetter} messages left on the dead-letter queue`);
  }
  return { ...verdict, problems };
}

/** SPEC rule 6 per user, plus: unknown users stay unknown, sticky rejections are plausible, nothing negative. */
function checkLedgers(
  evidence: ChaosEvidence,
  records: TransactionRecord[],
  verdict: Omit<ChaosVerdict, 'problems'>,
  problems: string[],
): void {
  const stored = new Map(evidence.userItems.map((item) => [String(item.userId), parseStoredNumber(numberText(item.balance))]));
  const byUser = groupBy(records, (record) => record.userId);
  const openings = new Map(evidence.plan.users.map((user) => [user.userId, parseStoredNumber(user.openingBalance)]));
  for (const [userId, balance] of stored) {
    if (!openings.has(userId)) problems.push(`a user the run did not create exists: ${userId}`);
    if (balance < 0n) verdict.negativeBalances++;
  }
  for (const [userId, userRecords] of byUser) {
    if (!openings.has(userId) && userRecords.some((record) => record.status !== 'rejected' || record.reason !== 'user_not_found')) {
      verdict.ledgerConsistent = false;
      problems.push(`unknown user ${userId} has a record other than user_not_found`);
    }
  }
  let external = 0n;
  for (const record of records) {
    if (record.status !== 'applied' || record.legOf !== undefined) continue;
    if (record.type === 'credit') external += record.amount;
    if (record.type === 'debit' || record.type === 'capture') external -= record.amount;
    if (record.type === 'reverse' && record.originalType === 'credit') external -= record.amount;
    if (record.type === 'reverse' && (record.originalType === 'debit' || record.originalType === 'capture')) external += record.amount;
  }
  for (const [userId, opening] of openings) {
    const userRecords = byUser.get(userId) ?? [];
    const applied = userRecords
      .flatMap((record): AppliedRecord[] => (record.status === 'applied' ? [record] : []))
      .sort((a, b) => a.version - b.version);
    // What was available after each entry (held as of that entry: holds only expire later, freeing money).
    const availables = [opening];
    let balance = opening;
    const openHolds = new Map<string, { amount: bigint; expiresAt: string }>();
    applied.forEach((record, index) => {
      balance += balanceEffect(record);
      if (record.type === 'hold' && record.expiresAt)
        openHolds.set(record.idempotentKey, { amount: record.amount, expiresAt: record.expiresAt });
      if ((record.type === 'capture' || record.type === 'release') && record.holdKey) openHolds.delete(record.holdKey);
      const held = heldAt({ holds: openHolds }, Date.parse(record.timestamp));
      availables.push(balance - held);
      const fault =
        record.version !== index + 1
          ? `version ${record.version} at position ${index + 1}`
          : record.newBalance !== balance
            ? `${record.idempotentKey} recorded ${formatStored(record.newBalance)}, replay gives ${formatStored(balance)}`
            : record.newHeld !== held
              ? `${record.idempotentKey} recorded held ${formatStored(record.newHeld)}, replay gives ${formatStored(held)}`
              : undefined;
      if (fault) {
        verdict.ledgerConsistent = false;
        problems.push(`${userId}: ${fault}`);
      }
      if (record.newBalance < 0n || record.newBalance - record.newHeld < 0n) verdict.negativeBalances++;
    });
    const now = stored.get(userId);
    if (now !== balance) {
      verdict.ledgerConsistent = false;
      problems.push(
        `${userId}: stored balance ${now === undefined ? 'missing' : formatStored(now)}, replay ends at ${formatStored(balance)}`,
      );
    }
    for (const record of userRecords) {
      if (record.status !== 'rejected' || record.reason !== 'insufficient_funds' || record.type !== 'debit') continue;
      // A debit refused for funds must have been refused on some available amount the ledger passed through.
      if (!availables.some((seen) => seen < (record.amount ?? 0n)))
        problems.push(
          `${userId}: implausible rejection ${record.idempotentKey} (${record.reason}, debit ${formatStored(record.amount ?? 0n)})`,
        );
    }
  }
  // Money is conserved: transfers only move it; credits, debits, captures and their reversals bring it in or take it out.
  const total = [...stored.entries()].filter(([userId]) => openings.has(userId)).reduce((sum, [, balance]) => sum + balance, 0n);
  const opened = [...openings.values()].reduce((sum, opening) => sum + opening, 0n);
  if (total !== opened + external) {
    verdict.ledgerConsistent = false;
    problems.push(
      `money not conserved: balances sum to ${formatStored(total)}, openings and flows give ${formatStored(opened + external)}`,
    );
  }
}

/**
 * A record or reply belongs to a command when it is the same command: the
 * record's fingerprint (every field), or for a reply the fields it echoes (its
 * amount is the resolved one when the command named none).
 */
function sameCommand(decided: (TransactionRecord | Reply) & { request?: string }, command: Command): boolean {
  if ('transactionId' in decided && decided.request !== undefined) return decided.request === commandFingerprint(command);
  if (decided.userId !== command.userId || decided.type !== command.type) return false;
  const references = ['toUserId', 'holdKey', 'originalKey'] as const;
  if (references.some((field) => (decided as Record<string, unknown>)[field] !== (command as Record<string, unknown>)[field])) return false;
  const named = commandMills(command);
  if (named === undefined) return true;
  if (decided.amount === undefined) return false;
  return (typeof decided.amount === 'bigint' ? decided.amount : parseStoredNumber(decided.amount)) === named;
}

/** A reply as JSON without `replayed`, the one field allowed to differ between deliveries. */
function canonical(reply: Reply): string {
  const { replayed: _replayed, ...rest } = reply;
  return JSON.stringify(Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))));
}

function describe(command: Command): string {
  return `${command.idempotentKey} (${JSON.stringify(command)})`;
}

function numberText(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'value' in value && typeof value.value === 'string') return value.value;
  return String(value);
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name);
    if (group) group.push(item);
    else groups.set(name, [item]);
  }
  return groups;
}
