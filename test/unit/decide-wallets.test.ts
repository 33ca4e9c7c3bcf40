import { describe, expect, it } from 'vitest';
import { decide } from '../../src/ledger/decide/decide.js';
import type { Decision } from '../../src/ledger/decide/ledger-state.js';
import type { TransactionRecord, UserState, WalletStatus } from '../../src/ledger/model.js';
import type { Command } from '../../src/messages/command.js';

/** SPEC "Wallets": opening, freezing, closing and currencies, decided by the pure step. */
const NOW = Date.parse('2026-12-05T10:00:00.000Z');

const wallet = (userId: string, balance: bigint, extra: Partial<UserState> = {}): UserState => ({
  userId,
  balance,
  version: 3,
  holds: new Map(),
  ...extra,
});

function decideOne(users: (UserState | [string, null])[], command: Command, records: [string, TransactionRecord | null][] = []) {
  const state = {
    users: new Map<string, UserState | null>(users.map((user) => (Array.isArray(user) ? user : [user.userId, user]))),
    records: new Map(records),
  };
  const result = decide(state, [{ command }], { now: NOW, newTransactionId: () => 'tx-1', defaultCurrency: 'USD' });
  const decision = result.results[0] as Decision;
  return { record: decision.record, legs: decision.legs, users: result.users };
}

const outcome = (record: TransactionRecord) => (record.status === 'applied' ? 'applied' : record.reason);

describe('decide: wallet commands', () => {
  it('opens a wallet: balance 0, active, in the named currency, with its metadata, version 1, chained', () => {
    const { record, users } = decideOne([['w1', null]], {
      idempotentKey: 'o1',
      userId: 'w1',
      type: 'open',
      currency: 'JPY',
      metadata: { customer: 'c-1' },
    });
    expect(record).toMatchObject({
      status: 'applied',
      type: 'open',
      amount: 0n,
      newBalance: 0n,
      newHeld: 0n,
      version: 1,
      currency: 'JPY',
      metadata: { customer: 'c-1' },
    });
    expect(record.status === 'applied' && record.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(users.get('w1')).toMatchObject({
      before: null,
      after: { userId: 'w1', currency: 'JPY', status: 'active', balance: 0n, version: 1, metadata: { customer: 'c-1' } },
    });
  });

  it('refuses to open an id that exists, in any status, revealing nothing of it (the currency on the refusal is the one named)', () => {
    for (const status of ['active', 'frozen', 'closed'] as WalletStatus[]) {
      const { record } = decideOne([wallet('w1', 5_000n, { currency: 'USD', status })], {
        idempotentKey: 'o1',
        userId: 'w1',
        type: 'open',
        currency: 'EUR',
      });
      expect(outcome(record)).toBe('wallet_exists');
      expect(record.currency).toBe('EUR');
    }
  });

  it('freezes and unfreezes; asking for the status a wallet has is applied and changes nothing else', () => {
    const active = wallet('w1', 5_000n);
    const frozen = decideOne([active], { idempotentKey: 'f1', userId: 'w1', type: 'freeze', note: 'case 7' });
    expect(frozen.record).toMatchObject({ status: 'applied', note: 'case 7', newBalance: 5_000n, version: 4 });
    expect(frozen.users.get('w1')?.after).toMatchObject({ status: 'frozen', balance: 5_000n });
    const again = decideOne([wallet('w1', 5_000n, { status: 'frozen' })], { idempotentKey: 'f2', userId: 'w1', type: 'freeze' });
    expect(again.users.get('w1')?.after).toMatchObject({ status: 'frozen', balance: 5_000n });
    const thawed = decideOne([wallet('w1', 5_000n, { status: 'frozen' })], { idempotentKey: 'u1', userId: 'w1', type: 'unfreeze' });
    expect(thawed.users.get('w1')?.after).toMatchObject({ status: 'active' });
    expect(outcome(decideOne([active], { idempotentKey: 'u2', userId: 'w1', type: 'unfreeze' }).record)).toBe('applied');
  });

  it('closes only an empty wallet: money or a hold still reserving money is wallet_not_empty; an expired hold is pruned', () => {
    const later = new Date(NOW + 60_000).toISOString();
    const earlier = new Date(NOW - 60_000).toISOString();
    expect(outcome(decideOne([wallet('w1', 1n)], { idempotentKey: 'c1', userId: 'w1', type: 'close' }).record)).toBe('wallet_not_empty');
    const held = wallet('w1', 0n, { holds: new Map([['h', { amount: 0n, expiresAt: later }]]) });
    expect(outcome(decideOne([held], { idempotentKey: 'c2', userId: 'w1', type: 'close' }).record)).toBe('wallet_not_empty');
    const expired = wallet('w1', 0n, { status: 'frozen', holds: new Map([['h', { amount: 5n, expiresAt: earlier }]]) });
    const closed = decideOne([expired], { idempotentKey: 'c3', userId: 'w1', type: 'close', note: 'left' });
    expect(outcome(closed.record)).toBe('applied');
    expect(closed.users.get('w1')?.after).toMatchObject({ status: 'closed', holds: new Map() });
  });

  it('a closed wallet refuses every command, wallet commands included; unknown ids stay user_not_found', () => {
    const closed = wallet('w1', 0n, { status: 'closed' });
    const commands: Command[] = [
      { idempotentKey: 'k1', userId: 'w1', type: 'credit', amount: '1' },
      { idempotentKey: 'k2', userId: 'w1', type: 'debit', amount: '1' },
      { idempotentKey: 'k3', userId: 'w1', type: 'hold', amount: '1' },
      { idempotentKey: 'k4', userId: 'w1', type: 'release', holdKey: 'h' },
      { idempotentKey: 'k5', userId: 'w1', type: 'reverse', originalKey: 'o' },
      { idempotentKey: 'k6', userId: 'w1', type: 'freeze' },
      { idempotentKey: 'k7', userId: 'w1', type: 'unfreeze' },
      { idempotentKey: 'k8', userId: 'w1', type: 'close' },
    ];
    for (const command of commands)
      expect(
        outcome(
          decideOne([closed], command, [
            ['h', null],
            ['o', null],
          ]).record,
        ),
        command.type,
      ).toBe('wallet_closed');
    expect(outcome(decideOne([['nobody', null]], { idempotentKey: 'k9', userId: 'nobody', type: 'freeze' }).record)).toBe('user_not_found');
  });

  it('a frozen wallet refuses debit, transfer as payer, hold and capture, and still takes credits, incoming transfers, releases and reversals', () => {
    const later = new Date(NOW + 60_000).toISOString();
    const frozen = wallet('w1', 10_000n, { status: 'frozen', holds: new Map([['h', { amount: 2_000n, expiresAt: later }]]) });
    const hold: TransactionRecord = {
      idempotentKey: 'h',
      transactionId: 't',
      userId: 'w1',
      type: 'hold',
      amount: 2_000n,
      timestamp: '2026-12-05T09:00:00.000Z',
      expiresAt: later,
      status: 'applied',
      newBalance: 10_000n,
      newHeld: 2_000n,
      version: 2,
    };
    const credit: TransactionRecord = { ...hold, idempotentKey: 'c', type: 'credit', expiresAt: undefined } as TransactionRecord;
    const refs: [string, TransactionRecord | null][] = [
      ['h', hold],
      ['c', credit],
    ];
    const payer = wallet('p', 5_000n);
    expect(outcome(decideOne([frozen], { idempotentKey: 'k1', userId: 'w1', type: 'debit', amount: '1' }).record)).toBe('wallet_frozen');
    expect(
      outcome(decideOne([frozen, payer], { idempotentKey: 'k2', userId: 'w1', type: 'transfer', amount: '1', toUserId: 'p' }).record),
    ).toBe('wallet_frozen');
    expect(outcome(decideOne([frozen], { idempotentKey: 'k3', userId: 'w1', type: 'hold', amount: '1' }).record)).toBe('wallet_frozen');
    expect(outcome(decideOne([frozen], { idempotentKey: 'k4', userId: 'w1', type: 'capture', holdKey: 'h' }, refs).record)).toBe(
      'wallet_frozen',
    );
    expect(outcome(decideOne([frozen], { idempotentKey: 'k5', userId: 'w1', type: 'credit', amount: '1' }).record)).toBe('applied');
    expect(
      outcome(decideOne([payer, frozen], { idempotentKey: 'k6', userId: 'p', type: 'transfer', amount: '1', toUserId: 'w1' }).record),
    ).toBe('applied');
    expect(outcome(decideOne([frozen], { idempotentKey: 'k7', userId: 'w1', type: 'release', holdKey: 'h' }, refs).record)).toBe('applied');
    expect(
      outcome(decideOne([frozen], { idempotentKey: 'k8', userId: 'w1', type: 'reverse', originalKey: 'c', amount: '1' }, refs).record),
    ).toBe('applied');
  });

  it('currencies: a named other currency and a transfer across currencies are currency_mismatch; amounts finer than the exponent are amount_not_representable', () => {
    const yen = wallet('y', 1_000_000n, { currency: 'JPY' });
    const dinar = wallet('d', 1_000_000n, { currency: 'KWD' });
    const legacy = wallet('l', 1_000_000n);
    expect(outcome(decideOne([yen], { idempotentKey: 'k1', userId: 'y', type: 'credit', amount: '10', currency: 'USD' }).record)).toBe(
      'currency_mismatch',
    );
    expect(outcome(decideOne([yen], { idempotentKey: 'k2', userId: 'y', type: 'credit', amount: '10', currency: 'JPY' }).record)).toBe(
      'applied',
    );
    expect(outcome(decideOne([yen], { idempotentKey: 'k3', userId: 'y', type: 'credit', amount: '10.5' }).record)).toBe(
      'amount_not_representable',
    );
    expect(outcome(decideOne([legacy], { idempotentKey: 'k4', userId: 'l', type: 'debit', amount: '1.234' }).record)).toBe(
      'amount_not_representable',
    );
    expect(outcome(decideOne([legacy], { idempotentKey: 'k5', userId: 'l', type: 'debit', amount: '1.23', currency: 'USD' }).record)).toBe(
      'applied',
    );
    expect(outcome(decideOne([dinar], { idempotentKey: 'k6', userId: 'd', type: 'debit', amount: '1.234' }).record)).toBe('applied');
    expect(
      outcome(decideOne([dinar, yen], { idempotentKey: 'k7', userId: 'd', type: 'transfer', amount: '1', toUserId: 'y' }).record),
    ).toBe('currency_mismatch');
    // The payer who cannot afford it hears insufficient_funds first, whatever the recipient (no oracle).
    expect(
      outcome(decideOne([dinar, yen], { idempotentKey: 'k8', userId: 'd', type: 'transfer', amount: '5000', toUserId: 'y' }).record),
    ).toBe('insufficient_funds');
    expect(
      outcome(
        decideOne([legacy, wallet('x', 0n, { status: 'closed' })], {
          idempotentKey: 'k9',
          userId: 'l',
          type: 'transfer',
          amount: '1',
          toUserId: 'x',
        }).record,
      ),
    ).toBe('recipient_closed');
    const applied = decideOne([yen], { idempotentKey: 'k10', userId: 'y', type: 'debit', amount: '1000' }).record;
    expect(applied).toMatchObject({ status: 'applied', currency: 'JPY', newBalance: 0n });
  });
});
