import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLedger } from '../../src/audit/verify-ledger.js';
import type { Reply } from '../../src/messages/reply.js';
import type { Wallet } from '../../src/wallet.js';
import { checkLedger } from '../support/ledger-check.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { createTestWallet, createUser, uniqueKey } from '../support/wallet.js';

/** SPEC "Wallets: opening, freezing, closing; currencies", end to end through the queue, on tables of this file's own (the audit reads whole tables). */
let wallet: Wallet;
let replies: ReplyCollector;

beforeAll(async () => {
  const prefix = `wallets-${randomUUID().slice(0, 8)}`;
  wallet = await createTestWallet({ WALLET_USERS_TABLE: `${prefix}-Users`, WALLET_TRANSACTIONS_TABLE: `${prefix}-Transactions` });
  wallet.startWorker();
  replies = new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply);
});
afterAll(async () => {
  await wallet.close();
});

/** Sends one command through the queue and waits for its reply (the nth for its key). */
async function send(command: Record<string, unknown>): Promise<Reply> {
  const idempotentKey = (command.idempotentKey as string | undefined) ?? uniqueKey(String(command.type));
  const before = replies.forKey(idempotentKey).length;
  await wallet.publishTransaction({ ...command, idempotentKey });
  const all = await replies.waitForKey(idempotentKey, before + 1);
  return all[before] as Reply;
}

async function open(currency: string, extra: Record<string, unknown> = {}): Promise<string> {
  const userId = `w-${randomUUID()}`;
  expect(await send({ userId, type: 'open', currency, ...extra })).toMatchObject({ status: 'applied' });
  return userId;
}

const balanceOf = (userId: string) => wallet.getCurrentBalance({ userId });

// These suites and their cases run side by side: each case has users of its own, and its time is
// waiting on replies from the worker, which overlap instead of adding up. Each case uses its own
// `expect`. The last suite is not concurrent: its audit of the whole tables starts once the rest is done.
describe.concurrent('opening a wallet', () => {
  it('opens at 0, active, in its currency; history lists the open with its metadata; the reply has no amount', async ({ expect }) => {
    const userId = `w-${randomUUID()}`;
    const reply = await send({ userId, type: 'open', currency: 'EUR', metadata: { customer: 'c-981', tier: 'gold' } });
    expect(reply).toMatchObject({
      status: 'applied',
      type: 'open',
      currency: 'EUR',
      newBalance: '0.00',
      available: '0.00',
      replayed: false,
    });
    expect(reply).not.toHaveProperty('amount');
    await expect(balanceOf(userId)).resolves.toEqual({
      userId,
      balance: '0.00',
      held: '0.00',
      available: '0.00',
      currency: 'EUR',
      status: 'active',
    });
    const { items } = await wallet.listTransactions({ userId });
    expect(items).toEqual([
      expect.objectContaining({
        type: 'open',
        status: 'applied',
        currency: 'EUR',
        metadata: { customer: 'c-981', tier: 'gold' },
        newBalance: '0.00',
      }),
    ]);
  });

  it('refuses an id that exists as wallet_exists, sticky, revealing nothing of the wallet; the same open again replays', async ({
    expect,
  }) => {
    const userId = await open('USD');
    await send({ userId, type: 'credit', amount: '12.50' });
    const key = uniqueKey('reopen');
    const refused = await send({ idempotentKey: key, userId, type: 'open', currency: 'JPY' });
    expect(refused).toMatchObject({ status: 'rejected', reason: 'wallet_exists', currency: 'JPY' });
    expect(refused).not.toHaveProperty('newBalance');
    expect(JSON.stringify(refused)).not.toMatch(/12\.5|USD/);
    expect(await send({ idempotentKey: key, userId, type: 'open', currency: 'JPY' })).toEqual({ ...refused, replayed: true });
    // A seeded (legacy) user exists too.
    const legacy = await createUser(wallet, '5');
    expect(await send({ userId: legacy, type: 'open', currency: 'USD' })).toMatchObject({ reason: 'wallet_exists' });
  });

  it('an unknown currency is invalid_command; commands for an id never opened stay user_not_found', async ({ expect }) => {
    // Sent raw: the library's own check refuses it before it reaches the queue.
    const key = uniqueKey('open-xyz');
    await expect(wallet.publishTransaction({ idempotentKey: key, userId: 'w-x', type: 'open', currency: 'XYZ' })).rejects.toThrow(
      'invalid command',
    );
    await wallet.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: wallet.queueUrls.command,
        MessageBody: JSON.stringify({ idempotentKey: key, userId: 'w-x', type: 'open', currency: 'XYZ' }),
      }),
    );
    const [invalid] = await replies.waitForKey(key);
    expect(invalid).toMatchObject({
      status: 'rejected',
      reason: 'invalid_command',
      issues: [expect.objectContaining({ path: 'currency' })],
    });
    expect(await send({ userId: `w-${randomUUID()}`, type: 'freeze' })).toMatchObject({ status: 'rejected', reason: 'user_not_found' });
  });
});

describe.concurrent('currencies', () => {
  it('writes every amount and balance with exactly the exponent: JPY 0, USD 2, KWD 3', async ({ expect }) => {
    const [yen, dollar, dinar] = [await open('JPY'), await open('USD'), await open('KWD')];
    expect(await send({ userId: yen, type: 'credit', amount: '1000' })).toMatchObject({
      amount: '1000',
      newBalance: '1000',
      currency: 'JPY',
    });
    expect(await send({ userId: dollar, type: 'credit', amount: '74.5' })).toMatchObject({
      amount: '74.50',
      newBalance: '74.50',
      currency: 'USD',
    });
    expect(await send({ userId: dinar, type: 'credit', amount: '1.25' })).toMatchObject({
      amount: '1.250',
      newBalance: '1.250',
      currency: 'KWD',
    });
    expect(await send({ userId: dinar, type: 'debit', amount: '0.001' })).toMatchObject({ status: 'applied', newBalance: '1.249' });
    await expect(balanceOf(dinar)).resolves.toMatchObject({ balance: '1.249', currency: 'KWD' });
    const { items } = await wallet.listTransactions({ userId: yen });
    expect(items[0]).toMatchObject({ amount: '1000', newBalance: '1000', currency: 'JPY' });
  });

  it('refuses amounts finer than the currency as amount_not_representable, a named other currency and a transfer across currencies as currency_mismatch', async ({
    expect,
  }) => {
    const [yen, dollar] = [await open('JPY'), await open('USD')];
    await send({ userId: dollar, type: 'credit', amount: '100' });
    expect(await send({ userId: yen, type: 'credit', amount: '10.5' })).toMatchObject({
      status: 'rejected',
      reason: 'amount_not_representable',
      amount: '10.5',
    });
    expect(await send({ userId: dollar, type: 'debit', amount: '1.234' })).toMatchObject({
      status: 'rejected',
      reason: 'amount_not_representable',
    });
    expect(await send({ userId: dollar, type: 'credit', amount: '1', currency: 'EUR' })).toMatchObject({
      status: 'rejected',
      reason: 'currency_mismatch',
    });
    expect(await send({ userId: dollar, type: 'credit', amount: '1', currency: 'USD' })).toMatchObject({
      status: 'applied',
      newBalance: '101.00',
    });
    expect(await send({ userId: dollar, type: 'transfer', amount: '5', toUserId: yen })).toMatchObject({
      status: 'rejected',
      reason: 'currency_mismatch',
    });
    await expect(balanceOf(yen)).resolves.toMatchObject({ balance: '0' });
  });

  it('reads an item without currency or status as an active wallet in WALLET_DEFAULT_CURRENCY, without rewriting it', async ({
    expect,
  }) => {
    const legacy = await createUser(wallet, '10');
    expect(await send({ userId: legacy, type: 'credit', amount: '1.5' })).toMatchObject({
      status: 'applied',
      currency: 'USD',
      newBalance: '11.50',
    });
    await expect(balanceOf(legacy)).resolves.toMatchObject({ balance: '11.50', currency: 'USD', status: 'active' });
  });
});

describe.concurrent('freezing', () => {
  it('refuses debit, transfer as payer, hold and capture with wallet_frozen; credits, incoming transfers, releases and reversals still apply; unfreeze restores', async ({
    expect,
  }) => {
    const [userId, other] = [await open('USD'), await open('USD')];
    const credit = uniqueKey('credit');
    await send({ idempotentKey: credit, userId, type: 'credit', amount: '50' });
    await send({ userId: other, type: 'credit', amount: '50' });
    const hold = uniqueKey('hold');
    await send({ idempotentKey: hold, userId, type: 'hold', amount: '10' });
    expect(await send({ userId, type: 'freeze', note: 'case 77' })).toMatchObject({ status: 'applied', type: 'freeze' });
    expect(await send({ userId, type: 'freeze' })).toMatchObject({ status: 'applied' });
    await expect(balanceOf(userId)).resolves.toMatchObject({ status: 'frozen', balance: '50.00', available: '40.00' });
    for (const command of [
      { type: 'debit', amount: '1' },
      { type: 'transfer', amount: '1', toUserId: other },
      { type: 'hold', amount: '1' },
      { type: 'capture', holdKey: hold },
    ]) {
      expect(await send({ userId, ...command }), command.type).toMatchObject({ status: 'rejected', reason: 'wallet_frozen' });
    }
    expect(await send({ userId, type: 'credit', amount: '5' })).toMatchObject({ status: 'applied', newBalance: '55.00' });
    expect(await send({ userId: other, type: 'transfer', amount: '5', toUserId: userId })).toMatchObject({ status: 'applied' });
    expect(await send({ userId, type: 'release', holdKey: hold })).toMatchObject({ status: 'applied', available: '60.00' });
    expect(await send({ userId, type: 'reverse', originalKey: credit, amount: '10' })).toMatchObject({
      status: 'applied',
      newBalance: '50.00',
    });
    expect(await send({ userId, type: 'unfreeze', note: 'case 77 closed' })).toMatchObject({ status: 'applied' });
    expect(await send({ userId, type: 'debit', amount: '1' })).toMatchObject({ status: 'applied', newBalance: '49.00' });
    const { items } = await wallet.listTransactions({ userId, limit: 100 });
    // Newest first: the earlier freeze is the one with the note.
    expect(items.filter((entry) => entry.type === 'freeze').at(-1)).toMatchObject({ note: 'case 77', status: 'applied' });
    expect((await checkLedger(wallet, userId, '0')).problems).toEqual([]);
  });
});

describe.concurrent('closing', () => {
  it('is wallet_not_empty while money is left, held or not; closes once it is all gone', async ({ expect }) => {
    const userId = await open('EUR');
    await send({ userId, type: 'credit', amount: '3' });
    expect(await send({ userId, type: 'close' })).toMatchObject({ status: 'rejected', reason: 'wallet_not_empty' });
    const hold = uniqueKey('hold');
    await send({ idempotentKey: hold, userId, type: 'hold', amount: '3' });
    expect(await send({ userId, type: 'close' })).toMatchObject({ status: 'rejected', reason: 'wallet_not_empty' });
    await send({ userId, type: 'capture', holdKey: hold });
    expect(await send({ userId, type: 'close' })).toMatchObject({ status: 'applied', newBalance: '0.00' });
  });

  it('closes an empty wallet for good: every command is wallet_closed, a transfer to it recipient_closed; history, statements and the audit stay clean', async ({
    expect,
  }) => {
    const [userId, payer] = [await open('EUR'), await open('EUR')];
    await send({ userId: payer, type: 'credit', amount: '20' });
    const credit = uniqueKey('credit');
    await send({ idempotentKey: credit, userId, type: 'credit', amount: '3' });
    await send({ userId, type: 'debit', amount: '3' });
    const closeKey = uniqueKey('close');
    const closed = await send({ idempotentKey: closeKey, userId, type: 'close', note: 'customer left' });
    expect(closed).toMatchObject({ status: 'applied', type: 'close', newBalance: '0.00', currency: 'EUR' });
    expect(await send({ idempotentKey: closeKey, userId, type: 'close', note: 'customer left' })).toEqual({ ...closed, replayed: true });
    await expect(balanceOf(userId)).resolves.toMatchObject({ status: 'closed', balance: '0.00' });
    for (const command of [
      { type: 'credit', amount: '1' },
      { type: 'reverse', originalKey: credit },
      { type: 'freeze' },
      { type: 'unfreeze' },
      { type: 'close' },
    ]) {
      expect(await send({ userId, ...command }), command.type).toMatchObject({ status: 'rejected', reason: 'wallet_closed' });
    }
    expect(await send({ userId: payer, type: 'transfer', amount: '1', toUserId: userId })).toMatchObject({
      status: 'rejected',
      reason: 'recipient_closed',
    });
    // Only a payer who could afford it learns the recipient is closed.
    expect(await send({ userId: payer, type: 'transfer', amount: '500', toUserId: userId })).toMatchObject({
      status: 'rejected',
      reason: 'insufficient_funds',
    });
    const { items } = await wallet.listTransactions({ userId, limit: 100 });
    expect(items.slice(0, 5).map((entry) => [entry.type, entry.reason])).toEqual([
      ['close', 'wallet_closed'],
      ['unfreeze', 'wallet_closed'],
      ['freeze', 'wallet_closed'],
      ['reverse', 'wallet_closed'],
      ['credit', 'wallet_closed'],
    ]);
    const statement = await wallet.getStatement({ userId, from: '2020-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' });
    expect(statement).toMatchObject({ currency: 'EUR', openingBalance: '0.00', totalIn: '3.00', totalOut: '3.00', closingBalance: '0.00' });
    expect(statement.entries.map((entry) => entry.type)).toEqual(['open', 'credit', 'debit', 'close']);
    expect((await checkLedger(wallet, userId, '0')).problems).toEqual([]);
  });
});

describe('rules 3, 4 and 6 for wallet commands', () => {
  it('replays every new type on redelivery and refuses a reused key with any field changed', async () => {
    const userId = `w-${randomUUID()}`;
    for (const [command, change] of [
      [{ type: 'open', currency: 'GBP', metadata: { a: '1' } }, { metadata: { a: '2' } }],
      [{ type: 'freeze', note: 'n' }, { note: 'other' }],
      [{ type: 'unfreeze' }, { note: 'other' }],
      [{ type: 'close' }, { note: 'other' }],
    ] as const) {
      const idempotentKey = uniqueKey(command.type);
      const first = await send({ idempotentKey, userId, ...command });
      expect(first, command.type).toMatchObject({ status: 'applied', replayed: false });
      expect(await send({ idempotentKey, userId, ...command })).toEqual({ ...first, replayed: true });
      const changed = await send({ idempotentKey, userId, ...command, ...change });
      expect(changed).toMatchObject({ status: 'rejected', reason: 'idempotency_key_reused' });
      expect(changed).not.toHaveProperty('transactionId');
    }
  });

  it('leaves the whole ledger of this file’s tables clean under the audit (chains, versions, balances, holds)', async () => {
    const userId = await open('CHF');
    await send({ userId, type: 'credit', amount: '9.95' });
    await send({ userId, type: 'freeze' });
    await send({ userId, type: 'unfreeze' });
    await send({ userId, type: 'debit', amount: '9.95' });
    await send({ userId, type: 'close' });
    const report = await auditLedger({ ddb: wallet.clients.ddb, config: wallet.config }, { recheckDelayMs: 0 });
    expect(report.discrepancies).toEqual([]);
    expect(report.applied).toBeGreaterThan(20);
  });
});
