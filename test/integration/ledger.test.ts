import { GetCommand, NumberValue } from '@aws-sdk/lib-dynamodb';
import { parseStoredNumber } from '../../src/money/money.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../src/errors.js';
import type { Wallet } from '../../src/wallet.js';
import { checkLedger } from '../support/ledger-check.js';
import { createTestWallet, createUser, uniqueKey } from '../support/wallet.js';

let wallet: Wallet;
beforeAll(async () => {
  wallet = await createTestWallet();
});
afterAll(async () => {
  await wallet.close();
});

const command = (userId: string, type: 'credit' | 'debit', amount: string, idempotentKey = uniqueKey()) => ({
  idempotentKey,
  userId,
  type,
  amount,
});

describe('transact (the core apply, without the queue)', () => {
  it('applies a credit and a debit and reports the balance after each', async () => {
    const userId = await createUser(wallet, '100');
    const credit = await wallet.transact(command(userId, 'credit', '25.50'));
    expect(credit).toMatchObject({ status: 'applied', newBalance: '125.50', amount: '25.50', type: 'credit', userId, replayed: false });
    expect(credit.transactionId).toMatch(/[0-9a-f-]{36}/);
    const debit = await wallet.transact(command(userId, 'debit', '0.5'));
    expect(debit).toMatchObject({ status: 'applied', newBalance: '125.00', amount: '0.50' });
    await expect(wallet.getCurrentBalance({ userId })).resolves.toEqual({
      userId,
      currency: 'USD',
      status: 'active',
      balance: '125.00',
      available: '125.00',
      held: '0.00',
    });
  });

  it('adds 0.10 and 0.20 to exactly 0.30 and stores it as a DynamoDB Number', async () => {
    const userId = await createUser(wallet, '0');
    await wallet.transact(command(userId, 'credit', '0.10'));
    const reply = await wallet.transact(command(userId, 'credit', '0.20'));
    expect(reply.newBalance).toBe('0.30');
    const raw = await wallet.clients.ddb.send(new GetCommand({ TableName: wallet.config.tables.users, Key: { userId } }));
    expect(raw.Item?.balance).toBeInstanceOf(NumberValue);
    expect(parseStoredNumber((raw.Item!.balance as NumberValue).value)).toBe(300n);
  });

  it('keeps every cent of a 15-digit amount', async () => {
    const userId = await createUser(wallet, '0.01');
    const reply = await wallet.transact(command(userId, 'credit', '999999999999999.99'));
    expect(reply.newBalance).toBe('1000000000000000.00');
    const debit = await wallet.transact(command(userId, 'debit', '999999999999999.98'));
    expect(debit.newBalance).toBe('0.02');
  });

  it('replays the stored outcome for a repeated command, with replayed: true and nothing applied twice', async () => {
    const userId = await createUser(wallet, '10');
    const first = await wallet.transact(command(userId, 'credit', '5', `same-key-${userId}`));
    const second = await wallet.transact(command(userId, 'credit', '5.00', `same-key-${userId}`));
    expect(second).toEqual({ ...first, replayed: true });
    await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '15.00' });
  });

  it('rejects a debit that would go below zero and leaves the balance alone', async () => {
    const userId = await createUser(wallet, '10');
    const reply = await wallet.transact(command(userId, 'debit', '10.01'));
    expect(reply).toMatchObject({ status: 'rejected', reason: 'insufficient_funds', replayed: false });
    expect(reply).not.toHaveProperty('newBalance');
    await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '10.00' });
    await expect(wallet.transact(command(userId, 'debit', '10'))).resolves.toMatchObject({ status: 'applied', newBalance: '0.00' });
  });

  it('keeps an insufficient_funds rejection even after the balance grows', async () => {
    const userId = await createUser(wallet, '10');
    const key = uniqueKey('sticky');
    const first = await wallet.transact(command(userId, 'debit', '50', key));
    await wallet.transact(command(userId, 'credit', '100'));
    const again = await wallet.transact(command(userId, 'debit', '50', key));
    expect(again).toEqual({ ...first, replayed: true });
    await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '110.00' });
  });

  it('keeps a user_not_found rejection even after the user appears', async () => {
    const userId = `ghost-${uniqueKey()}`;
    const key = uniqueKey('ghost');
    const first = await wallet.transact(command(userId, 'credit', '1', key));
    expect(first).toMatchObject({ status: 'rejected', reason: 'user_not_found' });
    await createUser(wallet, '5', userId);
    await expect(wallet.transact(command(userId, 'credit', '1', key))).resolves.toEqual({ ...first, replayed: true });
    await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '5.00' });
  });

  it.each([
    ['another amount', { amount: '7.00' }],
    ['another type', { type: 'debit' as const }],
    ['another user', { userId: 'someone-else' }],
  ])('rejects a reused key with %s and reveals nothing of the original', async (_label, change) => {
    const userId = await createUser(wallet, '40');
    const key = uniqueKey('reuse');
    const original = await wallet.transact(command(userId, 'credit', '5', key));
    const reused = { ...command(userId, 'credit', '5', key), ...change };
    const reply = await wallet.transact(reused);
    expect(reply).toEqual({
      idempotentKey: key,
      userId: reused.userId,
      type: reused.type,
      // The refused command as sent: formatting it by a currency would tell the stored wallet's.
      amount: reused.amount,
      status: 'rejected',
      reason: 'idempotency_key_reused',
      processedAt: expect.any(String),
      replayed: false,
    });
    expect(JSON.stringify(reply)).not.toContain(original.transactionId ?? 'none');
    // Refused again, it reads the same but for when it was refused (never the original's time).
    const before = Date.now();
    const again = await wallet.transact(reused);
    expect({ ...again, processedAt: reply.processedAt }).toEqual(reply);
    expect(Date.parse(again.processedAt)).toBeGreaterThanOrEqual(before);
    await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '45.00' });
    // The original still replays as it was.
    await expect(wallet.transact(command(userId, 'credit', '5', key))).resolves.toEqual({ ...original, replayed: true });
  });

  it('throws a typed error with the issues for an invalid command', async () => {
    const error = await wallet
      .transact({ idempotentKey: 'k', userId: 'u', amount: '1e2', type: 'credit' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).issues).toEqual([expect.objectContaining({ path: 'amount' })]);
  });

  it('serialises concurrent direct applies on one user without a stale balance (optimistic retry)', async () => {
    const userId = await createUser(wallet, '100');
    const replies = await Promise.all(Array.from({ length: 15 }, () => wallet.transact(command(userId, 'debit', '10'))));
    expect(replies.filter((reply) => reply.status === 'applied')).toHaveLength(10);
    expect(replies.filter((reply) => reply.reason === 'insufficient_funds')).toHaveLength(5);
    const ledger = await checkLedger(wallet, userId, '100');
    expect(ledger.problems).toEqual([]);
    expect(new Set(ledger.applied.map((record) => record.newBalance)).size).toBe(10);
    await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '0.00' });
  });
});
