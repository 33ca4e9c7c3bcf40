import { describe, expect, it } from 'vitest';
import type { ChaosPlan } from '../../scripts/chaos/command-plan.js';
import { checkInvariants, type ChaosEvidence } from '../../scripts/chaos/invariants.js';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { TransactionRecord } from '../../src/ledger/model.js';
import { recordToItem as toItem } from '../../src/ledger/item-codec.js';
import { replyForOutcome } from '../../src/ledger/replies.js';
import type { CreditOrDebit as Command } from '../../src/messages/command.js';
import type { Reply } from '../../src/messages/reply.js';
import { parseAmount } from '../../src/money/money.js';

/**
 * The chaos checks must fail when the ledger is wrong: each case below breaks
 * one invariant in otherwise consistent evidence and expects it reported.
 */
const alice = 'alice';
const credit: Command = { idempotentKey: 'k1', userId: alice, amount: '10', type: 'credit' };
const debit: Command = { idempotentKey: 'k2', userId: alice, amount: '30', type: 'debit' };
const reused: Command = { idempotentKey: 'k1', userId: alice, amount: '11', type: 'credit' };

function applied(command: Command, newBalance: bigint, version: number, transactionId = `tx-${command.idempotentKey}`): TransactionRecord {
  const base = {
    idempotentKey: command.idempotentKey,
    transactionId,
    userId: command.userId,
    type: command.type,
    amount: parseAmount(command.amount),
  };
  return { ...base, status: 'applied', newBalance, newHeld: 0n, version, timestamp: `2026-01-01T00:00:0${version}.000Z` };
}

/** The item as a Scan returns it through our clients (numbers as NumberValue). */
function recordToItem(record: TransactionRecord): Record<string, unknown> {
  return unmarshall(marshall(toItem(record)), { wrapNumbers: true });
}

function replyTo(record: TransactionRecord, replayed = false): Reply {
  return replyForOutcome({ kind: 'decided', record, replayed }, 'USD');
}

function keyReused(command: Command): Reply {
  return replyForOutcome({ kind: 'key_reused', command, decidedAt: '2026-01-01T00:00:09.000Z' }, 'USD');
}

/** alice opens at 50.00; +10 then -30 leaves 30.00; k1 was also sent with another amount. */
function consistent(): ChaosEvidence {
  const plan: ChaosPlan = {
    users: [{ userId: alice, openingBalance: '50.00' }],
    commands: [
      { command: credit, copies: 2 },
      { command: debit, copies: 1 },
      { command: reused, copies: 1 },
    ],
    invalid: [{ idempotentKey: 'bad', body: '{}' }],
    preludes: [],
    sends: [],
  };
  const first = applied(credit, 60_000n, 1);
  const second = applied(debit, 30_000n, 2);
  return {
    plan,
    transactionItems: [first, second].map(recordToItem),
    userItems: [{ userId: alice, balance: { value: '30' } }],
    replies: [
      replyTo(first),
      replyTo(first, true),
      replyTo(second),
      keyReused(reused),
      {
        idempotentKey: 'bad',
        status: 'rejected',
        reason: 'invalid_command',
        issues: [{ path: 'amount', message: 'bad' }],
        processedAt: '2026-01-01T00:00:00.000Z',
        replayed: false,
      },
    ],
    unparseableReplies: 0,
    leftOnQueues: { command: 0, deadLetter: 0 },
  };
}

describe('chaos invariants', () => {
  it('pass on a consistent run, reused key and invalid body included', () => {
    expect(checkInvariants(consistent())).toEqual({
      lost: 0,
      doubleApplied: 0,
      negativeBalances: 0,
      ledgerConsistent: true,
      repliesMissing: 0,
      problems: [],
    });
  });

  it('accept the reused-key command as the recorded one when it arrived first', () => {
    const evidence = consistent();
    const won = applied(reused, 61_000n, 1);
    evidence.transactionItems[0] = recordToItem(won);
    evidence.userItems = [{ userId: alice, balance: { value: '31' } }];
    const second = applied(debit, 31_000n, 2);
    evidence.transactionItems[1] = recordToItem(second);
    evidence.replies = [keyReused(credit), keyReused(credit), replyTo(won), replyTo(second), ...evidence.replies.slice(4)];
    expect(checkInvariants(evidence).problems).toEqual([]);
  });

  it('count a command with no record as lost', () => {
    const evidence = consistent();
    evidence.transactionItems.pop();
    evidence.userItems = [{ userId: alice, balance: { value: '60' } }];
    expect(checkInvariants(evidence)).toMatchObject({ lost: 1 });
  });

  it('count two different decisions for one key as double applied', () => {
    const evidence = consistent();
    evidence.replies.push(replyTo(applied(credit, 70_000n, 2, 'tx-again')));
    expect(checkInvariants(evidence)).toMatchObject({ doubleApplied: 1 });
  });

  it('find a balance the records do not explain (an effect applied without its record)', () => {
    const evidence = consistent();
    evidence.userItems = [{ userId: alice, balance: { value: '20' } }];
    expect(checkInvariants(evidence)).toMatchObject({ ledgerConsistent: false });
  });

  it('find a recorded newBalance that replay does not reproduce, and a negative balance', () => {
    const evidence = consistent();
    evidence.transactionItems[1] = recordToItem(applied(debit, -1_000n, 2));
    evidence.userItems = [{ userId: alice, balance: { value: '-1' } }];
    const verdict = checkInvariants(evidence);
    expect(verdict.ledgerConsistent).toBe(false);
    expect(verdict.negativeBalances).toBeGreaterThan(0);
  });

  it('count a command that never got a reply', () => {
    const evidence = consistent();
    evidence.replies = evidence.replies.filter((reply) => reply.reason !== 'idempotency_key_reused');
    expect(checkInvariants(evidence)).toMatchObject({ repliesMissing: 1 });
  });

  it('refuse a reused-key reply that reveals the original, and a recorded command told its key was reused', () => {
    const evidence = consistent();
    evidence.replies.push({ ...keyReused(reused), transactionId: 'tx-k1' }, keyReused(credit));
    expect(checkInvariants(evidence).problems).toHaveLength(2);
  });

  it('treat commands left on the dead-letter queue as lost', () => {
    const evidence = consistent();
    evidence.leftOnQueues.deadLetter = 2;
    expect(checkInvariants(evidence)).toMatchObject({ lost: 2 });
  });
});
