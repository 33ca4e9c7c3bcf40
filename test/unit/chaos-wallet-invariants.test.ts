import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import type { ChaosPlan, PlannedCommand } from '../../scripts/chaos/command-plan.js';
import { checkInvariants, type ChaosEvidence } from '../../scripts/chaos/invariants.js';
import { recordToItem as toItem } from '../../src/ledger/item-codec.js';
import type { TransactionRecord } from '../../src/ledger/model.js';
import type { StickyRejection } from '../../src/messages/reply.js';
import { replyForOutcome } from '../../src/ledger/replies.js';
import type { Command } from '../../src/messages/command.js';
import { commandMills } from '../../src/messages/command.js';

/**
 * The chaos checks of the wallet commands must fail when a wallet rule was
 * broken: bob is opened, credited, frozen (a debit refused), unfrozen,
 * drained, closed (a credit refused); each case breaks one thing.
 */
const bob = 'bob';
const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000000Z`;

const commands: Record<string, Command> = {
  open: { idempotentKey: 'open', userId: bob, type: 'open', currency: 'USD' },
  credit: { idempotentKey: 'credit', userId: bob, type: 'credit', amount: '10' },
  freeze: { idempotentKey: 'freeze', userId: bob, type: 'freeze' },
  frozenDebit: { idempotentKey: 'frozen-debit', userId: bob, type: 'debit', amount: '5' },
  unfreeze: { idempotentKey: 'unfreeze', userId: bob, type: 'unfreeze' },
  drain: { idempotentKey: 'drain', userId: bob, type: 'debit', amount: '10' },
  close: { idempotentKey: 'close', userId: bob, type: 'close' },
  late: { idempotentKey: 'late', userId: bob, type: 'credit', amount: '1', currency: 'EUR' },
};

function applied(command: Command, newBalance: bigint, version: number, second: number): TransactionRecord {
  const base = {
    idempotentKey: command.idempotentKey,
    transactionId: `tx-${command.idempotentKey}`,
    userId: command.userId,
    type: command.type,
    amount: commandMills(command) ?? 0n,
  };
  return { ...base, status: 'applied', newBalance, newHeld: 0n, version, timestamp: at(second), currency: 'USD' };
}

function rejected(command: Command, reason: StickyRejection, newBalance: bigint, second: number): TransactionRecord {
  const amount = commandMills(command);
  return {
    idempotentKey: command.idempotentKey,
    transactionId: `tx-${command.idempotentKey}`,
    userId: command.userId,
    type: command.type,
    ...(amount !== undefined && { amount }),
    status: 'rejected',
    reason,
    newBalance,
    newHeld: 0n,
    timestamp: at(second),
    currency: 'USD',
  };
}

function evidence(
  records: TransactionRecord[],
  { status = 'closed', balance = '0', expected = {} as Record<string, PlannedCommand['expected']>, sent = commands } = {},
): ChaosEvidence {
  const plan: ChaosPlan = {
    users: [{ userId: bob, openingBalance: '0.00', currency: 'USD', opened: true, closes: true }],
    commands: Object.values(sent).map((command) => ({
      command,
      copies: 1,
      ...(expected[command.idempotentKey] && { expected: expected[command.idempotentKey] }),
    })),
    invalid: [],
    preludes: [],
    sends: [],
  };
  return {
    plan,
    transactionItems: records.map((record) => unmarshall(marshall(toItem(record)), { wrapNumbers: true })),
    userItems: [{ userId: bob, balance: { value: balance }, status }],
    replies: records.map((record) => replyForOutcome({ kind: 'decided', record, replayed: false }, 'USD')),
    unparseableReplies: 0,
    leftOnQueues: { command: 0, deadLetter: 0 },
  };
}

const history = (): TransactionRecord[] => [
  applied(commands.open as Command, 0n, 1, 1),
  applied(commands.credit as Command, 10_000n, 2, 2),
  applied(commands.freeze as Command, 10_000n, 3, 3),
  rejected(commands.frozenDebit as Command, 'wallet_frozen', 10_000n, 4),
  applied(commands.unfreeze as Command, 10_000n, 4, 5),
  applied(commands.drain as Command, 0n, 5, 6),
  applied(commands.close as Command, 0n, 6, 7),
  rejected(commands.late as Command, 'wallet_closed', 0n, 8),
];

const problemsOf = (found: ChaosEvidence) => checkInvariants(found).problems;

describe('chaos invariants of the wallet commands', () => {
  it('pass on a wallet opened, frozen, unfrozen, drained and closed, with its refusals where they belong', () => {
    expect(checkInvariants(evidence(history(), { expected: { late: ['wallet_closed'], close: ['applied'] } }))).toMatchObject({
      ledgerConsistent: true,
      problems: [],
    });
  });

  it('find a wallet_frozen refusal decided while the wallet was active', () => {
    const records = history().map((record) =>
      record.idempotentKey === 'frozen-debit' ? { ...record, timestamp: at(5).replace('05.', '05.5') } : record,
    );
    expect(problemsOf(evidence(records))).toEqual([expect.stringMatching(/frozen-debit refused wallet_frozen while active/)]);
  });

  it('find a credit applied after the close, and an outcome the plan does not expect', () => {
    const records = [...history().slice(0, -1), applied(commands.late as Command, 1_000n, 7, 8)];
    const verdict = checkInvariants(evidence(records, { balance: '1', expected: { late: ['wallet_closed'] } }));
    expect(verdict.ledgerConsistent).toBe(false);
    expect(verdict.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/late .* was applied, the plan expects wallet_closed/),
        expect.stringMatching(/credit late applied after the wallet was closed/),
      ]),
    );
  });

  it('find a debit applied while frozen', () => {
    const records = history().filter((record) => record.idempotentKey !== 'unfreeze' && record.idempotentKey !== 'frozen-debit');
    const renumbered = records.map((record, index) => (record.status === 'applied' ? { ...record, version: index + 1 } : record));
    expect(problemsOf(evidence(renumbered))).toEqual(
      expect.arrayContaining([expect.stringMatching(/debit drain took money out of a frozen wallet/)]),
    );
  });

  it('find a stored status its entries do not leave, and a closed wallet that stayed open', () => {
    expect(problemsOf(evidence(history(), { status: 'active' }))).toEqual([
      expect.stringMatching(/stored status active, its entries leave closed/),
    ]);
    const neverClosed = history().slice(0, -2);
    expect(problemsOf(evidence(neverClosed, { status: 'active' }))).toEqual(
      expect.arrayContaining([expect.stringMatching(/the prelude closed it, its entries leave it active/)]),
    );
  });

  it('find a currency_mismatch for a command that named the wallet’s own currency, and a wallet_not_empty with nothing in it', () => {
    const records = history().map((record) =>
      record.idempotentKey === 'late' ? { ...record, reason: 'currency_mismatch' as const } : record,
    );
    expect(problemsOf(evidence(records))).toEqual([]);
    const namedOwn = { ...commands, late: { ...(commands.late as Command), currency: 'USD' } as Command };
    expect(problemsOf(evidence(records, { sent: namedOwn }))).toEqual([
      expect.stringMatching(/late refused currency_mismatch: named USD, the wallet holds USD/),
    ]);
    const notEmpty = history().map((record) =>
      record.idempotentKey === 'late' ? { ...record, reason: 'wallet_not_empty' as const } : record,
    );
    expect(problemsOf(evidence(notEmpty))).toEqual([expect.stringMatching(/late refused wallet_not_empty with nothing in it/)]);
  });
});
