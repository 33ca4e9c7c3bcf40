import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/ledger/decide/decide.js';
import type { Answer, Decision } from '../../src/ledger/decide/ledger-state.js';
import type { TransactionRecord, UserState } from '../../src/ledger/model.js';
import type { Command } from '../../src/messages/command.js';
import { formatMoney, parseStoredNumber } from '../../src/money/money.js';

const NOW = Date.parse('2026-11-25T10:00:00.000Z');

function context(now = NOW) {
  let next = 0;
  return { now, newTransactionId: () => `tx-${++next}`, defaultCurrency: 'USD' };
}

const user = (userId: string, balance: string, version = 0, lastDecidedAt?: string): UserState => ({
  userId,
  balance: parseStoredNumber(balance),
  version,
  ...(lastDecidedAt && { lastDecidedAt }),
  holds: new Map(),
});

const command = (idempotentKey: string, userId: string, type: 'credit' | 'debit', amount: string): Command => ({
  idempotentKey,
  userId,
  type,
  amount,
});

function summary(result: Decision | Answer) {
  if ('outcome' in result) {
    const { outcome } = result;
    return outcome.kind === 'key_reused'
      ? `${result.command.idempotentKey}: reused`
      : `${result.command.idempotentKey}: ${outcome.record.status} replayed`;
  }
  const { record } = result;
  return record.status === 'applied'
    ? `${record.idempotentKey}: applied ${formatMoney(record.newBalance, 2)} v${record.version}`
    : `${record.idempotentKey}: ${record.reason}`;
}

describe('decide: the ledger rules as a pure state machine', () => {
  it('decides a mixed group in order: a replay, a reused key, a debit between two credits that lacks funds, an unknown user, ordinary commands', () => {
    const stored: TransactionRecord = {
      idempotentKey: 'k-stored',
      transactionId: 'tx-old',
      userId: 'alice',
      type: 'credit',
      amount: 5_000n,
      timestamp: '2026-11-24T09:00:00.000Z',
      status: 'applied',
      newBalance: 15_000n,
      newHeld: 0n,
      version: 1,
    };
    const state = {
      users: new Map<string, UserState | null>([
        ['alice', user('alice', '15.00', 1, '2026-11-24T09:00:00.000Z')],
        ['bob', user('bob', '0')],
        ['ghost', null],
      ]),
      records: new Map([
        ['k-stored', stored],
        ['k-reused', { ...stored, idempotentKey: 'k-reused', transactionId: 'tx-reused' }],
      ]),
    };
    const result = decide(
      state,
      [
        command('k-stored', 'alice', 'credit', '5.00'),
        command('k-reused', 'bob', 'credit', '5.00'),
        command('b0', 'bob', 'credit', '1'),
        command('b1', 'bob', 'credit', '10'),
        command('b2', 'bob', 'debit', '25'),
        command('b3', 'bob', 'credit', '20'),
        command('g1', 'ghost', 'credit', '1'),
        command('a1', 'alice', 'debit', '15'),
      ].map((c) => ({ command: c })),
      context(),
    );
    expect(result.results.map(summary)).toEqual([
      'k-stored: applied replayed',
      'k-reused: reused',
      'b0: applied 1.00 v1',
      'b1: applied 11.00 v2',
      'b2: insufficient_funds',
      'b3: applied 31.00 v3',
      'g1: user_not_found',
      'a1: applied 0.00 v2',
    ]);
    expect(result.decisions).toHaveLength(6);
    expect(result.users.get('bob')).toEqual({ before: user('bob', '0'), after: expect.objectContaining({ balance: 31_000n, version: 3 }) });
    expect(result.users.get('ghost')).toEqual({ before: null, after: null });
    expect(result.users.get('alice')?.after).toMatchObject({ balance: 0n, version: 2 });
  });

  it('refuses a different command under a stored key without revealing the original, and answers the same command as a replay', () => {
    const stored: TransactionRecord = {
      idempotentKey: 'k',
      transactionId: 'tx-1',
      userId: 'alice',
      type: 'debit',
      amount: 10_000n,
      timestamp: '2026-11-24T09:00:00.000Z',
      status: 'rejected',
      reason: 'insufficient_funds',
    };
    const records = new Map([['k', stored]]);
    const users = new Map<string, UserState | null>();
    for (const [other, expected] of [
      [command('k', 'bob', 'debit', '10'), 'key_reused'],
      [command('k', 'alice', 'credit', '10'), 'key_reused'],
      [command('k', 'alice', 'debit', '10.01'), 'key_reused'],
      [command('k', 'alice', 'debit', '10.00'), 'decided'],
    ] as const) {
      const [result] = decide({ users, records }, [{ command: other }], context()).results;
      expect(result && 'outcome' in result && result.outcome.kind).toBe(expected);
      if (result && 'outcome' in result && result.outcome.kind === 'key_reused') {
        // The time of this refusal, nothing of the original's.
        expect(result.outcome.decidedAt).toBe(new Date(NOW).toISOString());
        expect(JSON.stringify(result.outcome)).not.toContain('tx-1');
      }
    }
  });

  it('treats a stored record written under one of the command’s own transaction ids as its own commit, not a replay', () => {
    const stored: TransactionRecord = {
      idempotentKey: 'k',
      transactionId: 'mine',
      userId: 'a',
      type: 'credit',
      amount: 1_000n,
      timestamp: '2026-11-24T09:00:00.000Z',
      status: 'applied',
      newBalance: 1_000n,
      newHeld: 0n,
      version: 1,
    };
    const [result] = decide(
      { users: new Map(), records: new Map([['k', stored]]) },
      [{ command: command('k', 'a', 'credit', '1'), ownTransactionIds: new Set(['mine']) }],
      context(),
    ).results;
    expect(result && 'outcome' in result && result.outcome).toMatchObject({ kind: 'decided', replayed: false });
  });

  it('stamps strictly increasing times per user, follows a clock a little ahead by its tiebreak, and ignores a sentinel far in the future', () => {
    const ahead = new Date(NOW + 60_000).toISOString();
    const users = new Map<string, UserState | null>([
      ['ahead', user('ahead', '10', 3, ahead)],
      ['sentinel', user('sentinel', '10', 3, '9999-12-31T23:59:59.999Z')],
    ]);
    const commands = ['ahead', 'ahead', 'sentinel', 'sentinel'].map((userId, index) => ({
      command: command(`t${index}`, userId, 'credit', '1'),
    }));
    const times = decide({ users, records: new Map() }, commands, context()).decisions.map((decision) => decision.record.timestamp);
    // A stamp without tiebreak (older entries) sorts after every tiebreak of its millisecond: the next one starts the next millisecond.
    const stamp = (ms: number, tiebreak: string) => new Date(ms).toISOString().replace('Z', `${tiebreak}Z`);
    expect(times).toEqual([stamp(NOW + 60_001, '000'), stamp(NOW + 60_001, '001'), stamp(NOW, '000'), stamp(NOW, '001')]);
  });

  it('never lets a balance go negative and chains every newBalance from the opening balance (random groups)', () => {
    const operation = fc.record({
      userId: fc.constantFrom('u1', 'u2', 'u3'),
      type: fc.constantFrom('credit' as const, 'debit' as const),
      cents: fc.integer({ min: 1, max: 5_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(operation, { maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 3, maxLength: 3 }),
        (operations, openings) => {
          const users = new Map<string, UserState | null>(
            ['u1', 'u2', 'u3'].map((userId, index) => [
              userId,
              { userId, balance: BigInt(openings[index] ?? 0) * 10n, version: 0, holds: new Map() },
            ]),
          );
          const commands = operations.map((op, index) => ({
            command: command(`k${index}`, op.userId, op.type, formatMoney(BigInt(op.cents) * 10n, 2)),
          }));
          const result = decide({ users, records: new Map() }, commands, context());
          const model = new Map([...users].map(([userId, state]) => [userId, { balance: state?.balance ?? 0n, version: 0 }]));
          for (const { record } of result.decisions) {
            const current = model.get(record.userId);
            if (!current) throw new Error('unknown user');
            const amount = record.amount ?? 0n;
            const next = record.type === 'credit' ? current.balance + amount : current.balance - amount;
            if (next < 0n) {
              expect(record).toMatchObject({ status: 'rejected', reason: 'insufficient_funds' });
              continue;
            }
            current.balance = next;
            current.version++;
            expect(record).toMatchObject({ status: 'applied', newBalance: next, version: current.version });
          }
          for (const [userId, { balance, version }] of model) {
            const after = result.users.get(userId)?.after;
            if (after) expect(after).toMatchObject({ balance, version });
          }
        },
      ),
    );
  });
});
