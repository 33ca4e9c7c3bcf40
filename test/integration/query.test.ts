import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRequestError, UserNotFoundError } from '../../src/errors.js';
import type { HistoryEntry } from '../../src/query/history.js';
import type { Wallet } from '../../src/wallet.js';
import { createTestWallet, createUser, uniqueKey } from '../support/wallet.js';

let wallet: Wallet;
beforeAll(async () => {
  wallet = await createTestWallet();
});
afterAll(async () => {
  await wallet.close();
});

describe('query module', () => {
  it('returns the balance of a user created by another tool with only the seed attributes', async () => {
    const userId = await createUser(wallet, '74.5');
    await expect(wallet.getCurrentBalance({ userId })).resolves.toEqual({
      userId,
      currency: 'USD',
      status: 'active',
      balance: '74.50',
      available: '74.50',
      held: '0.00',
    });
  });

  it('throws UserNotFoundError for an unknown user', async () => {
    await expect(wallet.getCurrentBalance({ userId: `nobody-${uniqueKey()}` })).rejects.toBeInstanceOf(UserNotFoundError);
  });

  it('lists history newest first, in pages that join up without gaps or repeats', async () => {
    const userId = await createUser(wallet, '0');
    const keys: string[] = [];
    for (let index = 1; index <= 7; index++) {
      const key = uniqueKey(`h${index}`);
      keys.push(key);
      await wallet.transact({ idempotentKey: key, userId, type: 'credit', amount: String(index) });
    }
    await wallet.transact({ idempotentKey: uniqueKey('too-much'), userId, type: 'debit', amount: '1000' });

    const seen: HistoryEntry[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await wallet.listTransactions({ userId, limit: 3, ...(cursor && { cursor }) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);

    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toHaveLength(8);
    expect(seen[0]).toMatchObject({ status: 'rejected', reason: 'insufficient_funds', amount: '1000.00' });
    const applied = seen.slice(1);
    expect(applied.map((entry) => entry.idempotentKey)).toEqual([...keys].reverse());
    expect(applied.map((entry) => entry.newBalance)).toEqual(['28.00', '21.00', '15.00', '10.00', '6.00', '3.00', '1.00']);
    const timestamps = seen.map((entry) => entry.timestamp);
    expect([...timestamps].sort().reverse()).toEqual(timestamps);
  });

  it('refuses a cursor that was not issued for this user', async () => {
    await expect(wallet.listTransactions({ userId: 'u', cursor: 'garbage' })).rejects.toBeInstanceOf(InvalidRequestError);
    const other = Buffer.from(JSON.stringify({ idempotentKey: 'k', userId: 'someone', timestamp: 't' })).toString('base64url');
    await expect(wallet.listTransactions({ userId: 'u', cursor: other })).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it.each([
    ['an empty key and timestamp', { idempotentKey: '', userId: 'u', timestamp: '' }],
    ['an empty timestamp', { idempotentKey: 'k', userId: 'u', timestamp: '' }],
    ['an empty key', { idempotentKey: '', userId: 'u', timestamp: '2026-11-25T10:00:00.000Z' }],
    ['a key longer than any stored one', { idempotentKey: 'k'.repeat(2000), userId: 'u', timestamp: '2026-11-25T10:00:00.000Z' }],
  ])('refuses a forged cursor with %s as invalid, not as a failure', async (_, key) => {
    const cursor = Buffer.from(JSON.stringify(key)).toString('base64url');
    await expect(wallet.listTransactions({ userId: 'u', cursor })).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it.each([0, 101, 2.5])('refuses a page limit of %d', async (limit) => {
    await expect(wallet.listTransactions({ userId: 'u', limit })).rejects.toBeInstanceOf(InvalidRequestError);
  });
});
