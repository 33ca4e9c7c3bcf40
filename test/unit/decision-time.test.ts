import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/ledger/decide/decide.js';
import { nextDecisionTime, parseDecisionTime } from '../../src/ledger/decide/decision-time.js';
import type { LedgerState } from '../../src/ledger/decide/ledger-state.js';
import type { TransactionRecord, UserState } from '../../src/ledger/model.js';
import type { Command } from '../../src/messages/command.js';

const T = Date.parse('2026-12-05T08:00:00.123Z');

const user = (userId: string, balance: bigint, lastDecidedAt?: string): UserState => ({
  userId,
  balance,
  version: 0,
  holds: new Map(),
  ...(lastDecidedAt && { lastDecidedAt }),
});

/** Decides `commands` as one round at `now`; the users carry over, as the engine's writes do. */
function round(users: Map<string, UserState | null>, records: Map<string, TransactionRecord | null>, commands: Command[], now: number) {
  let id = 0;
  const result = decide(
    { users, records } satisfies LedgerState,
    commands.map((command) => ({ command })),
    { now, newTransactionId: () => `tx-${now}-${id++}`, defaultCurrency: 'USD' },
  );
  for (const [userId, { after }] of result.users) if (after) users.set(userId, after);
  for (const decision of result.decisions)
    for (const record of [decision.record, ...decision.legs]) records.set(record.idempotentKey, record);
  return result;
}

describe('decision times: the wall clock, strictly increasing per wallet, never pushed forward', () => {
  it.each([
    ['no decision yet', undefined, T, '2026-12-05T08:00:00.123000Z'],
    ['last decision in an earlier millisecond', '2026-12-05T08:00:00.100007Z', T, '2026-12-05T08:00:00.123000Z'],
    ['last decision in this millisecond: next tiebreak, same millisecond', '2026-12-05T08:00:00.123004Z', T, '2026-12-05T08:00:00.123005Z'],
    [
      'last decision by a worker whose clock is ahead: its millisecond, next tiebreak',
      '2026-12-05T08:00:02.000000Z',
      T,
      '2026-12-05T08:00:02.000001Z',
    ],
    ['a thousand decisions in one millisecond: the next one', '2026-12-05T08:00:00.123999Z', T, '2026-12-05T08:00:00.124000Z'],
    [
      'an older stamp without tiebreak in this millisecond sorts after every tiebreak of it',
      '2026-12-05T08:00:00.123Z',
      T,
      '2026-12-05T08:00:00.124000Z',
    ],
    ['an older stamp without tiebreak, earlier', '2026-12-05T08:00:00.122Z', T, '2026-12-05T08:00:00.123000Z'],
    ['a sentinel far in the future is ignored', '9999-12-31T23:59:59.999Z', T, '2026-12-05T08:00:00.123000Z'],
    ['something another tool wrote is ignored', 'yesterday', T, '2026-12-05T08:00:00.123000Z'],
    ['a clock with a fraction of a millisecond', undefined, T + 0.75, '2026-12-05T08:00:00.123000Z'],
  ])('%s', (_name, last, now, expected) => {
    expect(nextDecisionTime(last, now)).toBe(expected);
    expect(Date.parse(expected)).toBe(Math.floor(Date.parse(`${expected.slice(0, 23)}Z`)));
  });

  it('keeps a hot wallet on the wall clock: 3,100 credits, then a capture 1.5 s before its hold expires is applied (not hold_expired)', () => {
    const users = new Map<string, UserState | null>([['hot', user('hot', 100_000n)]]);
    const records = new Map<string, TransactionRecord | null>();
    const [hold] = round(
      users,
      records,
      [{ idempotentKey: 'hold', userId: 'hot', type: 'hold', amount: '10', expiresInSeconds: 3 }],
      T,
    ).decisions;
    const expiresAt = Date.parse(hold?.record.expiresAt ?? '');
    expect(expiresAt).toBe(T + 3_000);
    // 3,100 credits in rounds of 10, the clock moving 1 ms a round: 310 ms of wall clock.
    const ahead: string[] = [];
    for (let r = 0; r < 310; r++) {
      const now = T + r;
      const commands = Array.from(
        { length: 10 },
        (_, i): Command => ({ idempotentKey: `c-${r}-${i}`, userId: 'hot', type: 'credit', amount: '1' }),
      );
      for (const { record } of round(users, records, commands, now).decisions)
        if (Date.parse(record.timestamp) > now) ahead.push(record.timestamp);
    }
    expect(ahead).toEqual([]);
    records.set('hold', records.get('hold') ?? null);
    const [capture] = round(
      users,
      records,
      [{ idempotentKey: 'capture', userId: 'hot', type: 'capture', holdKey: 'hold' }],
      expiresAt - 1_500,
    ).decisions;
    expect(capture?.record).toMatchObject({ status: 'applied', timestamp: new Date(expiresAt - 1_500).toISOString().replace('Z', '000Z') });
  });

  it('gives every wallet strictly increasing times whose millisecond is the clock, or the last one when a clock ran behind (random rounds)', () => {
    const roundShape = fc.record({
      commands: fc.array(fc.constantFrom('a', 'b'), { minLength: 1, maxLength: 30 }),
      clockStep: fc.integer({ min: -3, max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(roundShape, { minLength: 1, maxLength: 40 }), (rounds) => {
        const users = new Map<string, UserState | null>([
          ['a', user('a', 0n)],
          ['b', user('b', 0n)],
        ]);
        const records = new Map<string, TransactionRecord | null>();
        const last = new Map<string, string>();
        let now = T;
        let key = 0;
        for (const shape of rounds) {
          now += shape.clockStep;
          const commands = shape.commands.map((userId): Command => ({ idempotentKey: `k${key++}`, userId, type: 'credit', amount: '1' }));
          for (const { record } of round(users, records, commands, now).decisions) {
            const previous = last.get(record.userId);
            expect(previous === undefined || previous < record.timestamp, `${previous} < ${record.timestamp}`).toBe(true);
            const ms = parseDecisionTime(record.timestamp)?.ms ?? Number.NaN;
            const previousMs = previous === undefined ? -Infinity : (parseDecisionTime(previous)?.ms ?? Number.NaN);
            expect(ms).toBe(Math.max(now, previousMs));
            last.set(record.userId, record.timestamp);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('answers a reused key with the time of the refusal, not the time the original was decided', () => {
    const original: TransactionRecord = {
      idempotentKey: 'k',
      transactionId: 'tx-1',
      userId: 'a',
      type: 'credit',
      amount: 1_000n,
      timestamp: '2026-12-01T00:00:00.000000Z',
      status: 'applied',
      newBalance: 1_000n,
      newHeld: 0n,
      version: 1,
    };
    const [result] = decide(
      { users: new Map(), records: new Map([['k', original]]) },
      [{ command: { idempotentKey: 'k', userId: 'a', type: 'debit', amount: '1' } }],
      { now: T, newTransactionId: () => 'x', defaultCurrency: 'USD' },
    ).results;
    expect(result && 'outcome' in result && result.outcome).toMatchObject({ kind: 'key_reused', decidedAt: '2026-12-05T08:00:00.123Z' });
  });

  it('records the wallet’s state on a rejection too (balance, held, open holds), so one entry tells the state at any instant up to the next', () => {
    const users = new Map<string, UserState | null>([['a', user('a', 50_000n)]]);
    const records = new Map<string, TransactionRecord | null>();
    round(
      users,
      records,
      [
        { idempotentKey: 'h1', userId: 'a', type: 'hold', amount: '10', expiresInSeconds: 60 },
        { idempotentKey: 'h2', userId: 'a', type: 'hold', amount: '5', expiresInSeconds: 30 },
      ],
      T,
    );
    const [rejected] = round(users, records, [{ idempotentKey: 'd', userId: 'a', type: 'debit', amount: '40' }], T + 1).decisions;
    expect(rejected?.record).toMatchObject({
      status: 'rejected',
      reason: 'insufficient_funds',
      newBalance: 50_000n,
      newHeld: 15_000n,
      openHolds: [
        { amount: 5_000n, expiresAt: new Date(T + 30_000).toISOString() },
        { amount: 10_000n, expiresAt: new Date(T + 60_000).toISOString() },
      ],
    });
  });
});

describe('transfer: no user-existence oracle, no payer key on the recipient’s entry', () => {
  const state = () => ({
    users: new Map<string, UserState | null>([
      ['payer', user('payer', 1_000n)],
      ['recipient', user('recipient', 0n)],
      ['nobody', null],
    ]),
    records: new Map<string, TransactionRecord | null>(),
  });

  it('answers an unaffordable transfer insufficient_funds whether or not the recipient exists, without reading the recipient', () => {
    for (const toUserId of ['recipient', 'nobody']) {
      const [decision] = decide(
        state(),
        [{ command: { idempotentKey: `t-${toUserId}`, userId: 'payer', type: 'transfer', amount: '50', toUserId } }],
        { now: T, newTransactionId: () => 'x', defaultCurrency: 'USD' },
      ).decisions;
      expect(decision?.record).toMatchObject({ status: 'rejected', reason: 'insufficient_funds' });
      expect(decision?.userIds).toEqual(['payer']);
    }
    const [affordable] = decide(
      state(),
      [{ command: { idempotentKey: 't', userId: 'payer', type: 'transfer', amount: '1', toUserId: 'nobody' } }],
      { now: T, newTransactionId: () => 'x', defaultCurrency: 'USD' },
    ).decisions;
    expect(affordable?.record).toMatchObject({ status: 'rejected', reason: 'recipient_not_found' });
  });

  it('stores the recipient’s leg under a reference of its own, the same for the same decision, and nothing of the payer’s key or state on it', () => {
    const command: Command = {
      idempotentKey: 'payer-secret-key',
      userId: 'payer',
      type: 'transfer',
      amount: '0.40',
      toUserId: 'recipient',
    };
    const decideOnce = () => {
      let id = 0;
      return decide(state(), [{ command }], { now: T, newTransactionId: () => `tx-${id++}`, defaultCurrency: 'USD' }).decisions[0];
    };
    const [first, again] = [decideOnce(), decideOnce()];
    const leg = first?.legs[0];
    expect(leg?.idempotentKey).toMatch(/^leg-[0-9a-f]{32}\u001fleg$/);
    expect(again?.legs[0]?.idempotentKey).toBe(leg?.idempotentKey);
    const shown = { ...leg, legOf: undefined };
    expect(JSON.stringify(shown, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain('payer-secret-key');
    expect(leg).toMatchObject({ userId: 'recipient', newBalance: 400n, legOf: 'payer-secret-key' });
    expect(leg).not.toHaveProperty('openHolds');
  });
});
