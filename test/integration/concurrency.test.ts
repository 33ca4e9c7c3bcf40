import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createWallet, type Wallet } from '../../src/wallet.js';
import { checkLedger } from '../support/ledger-check.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { testEnv, createUser, uniqueKey } from '../support/wallet.js';

const wallets: Wallet[] = [];
beforeAll(async () => {
  // Two worker instances, each with its own clients and pollers, on one set of queues.
  const env = testEnv();
  for (let index = 0; index < 2; index++) {
    wallets.push(await createWallet({ config: loadConfig(env), logger: createLogger('silent') }));
  }
});
afterAll(async () => {
  await Promise.all(wallets.map((wallet) => wallet.close()));
});

describe('concurrent commands on one user', () => {
  it('applies exactly 10 of 20 concurrent debits of 10 on a balance of 100, never overdrawing, with a consistent ledger', async () => {
    const [producer] = wallets;
    if (!producer) throw new Error('no wallet');
    const userId = await createUser(producer, '100');
    for (const wallet of wallets) wallet.startWorker({ pollers: 3 });
    const keys = Array.from({ length: 20 }, (_, index) => uniqueKey(`debit-${index}`));
    await Promise.all(keys.map((key) => producer.publishTransaction({ idempotentKey: key, userId, type: 'debit', amount: '10' })));

    const replies = await new ReplyCollector(producer.clients.sqs, producer.queueUrls.reply).waitForCount(20);
    expect(new Set(replies.map((reply) => reply.idempotentKey))).toEqual(new Set(keys));
    const applied = replies.filter((reply) => reply.status === 'applied');
    expect(applied).toHaveLength(10);
    expect(replies.filter((reply) => reply.reason === 'insufficient_funds')).toHaveLength(10);
    expect(applied.map((reply) => reply.newBalance).sort()).toEqual([
      '0.00',
      '10.00',
      '20.00',
      '30.00',
      '40.00',
      '50.00',
      '60.00',
      '70.00',
      '80.00',
      '90.00',
    ]);
    await expect(producer.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '0.00' });

    const ledger = await checkLedger(producer, userId, '100');
    expect(ledger.problems).toEqual([]);
    expect(ledger.applied).toHaveLength(10);
  });

  it('keeps every user consistent under interleaved credits and debits from both workers', async () => {
    const [producer] = wallets;
    if (!producer) throw new Error('no wallet');
    const users = await Promise.all(Array.from({ length: 5 }, () => createUser(producer, '20')));
    const commands = users.flatMap((userId) =>
      Array.from({ length: 12 }, (_, index) => ({
        idempotentKey: uniqueKey('mix'),
        userId,
        type: index % 3 === 0 ? 'credit' : 'debit',
        amount: index % 3 === 0 ? '7.25' : '3.10',
      })),
    );
    await Promise.all(commands.map((command) => producer.publishTransaction(command)));
    const replies = await new ReplyCollector(producer.clients.sqs, producer.queueUrls.reply).waitForCount(commands.length);
    expect(replies).toHaveLength(commands.length);
    for (const userId of users) {
      const ledger = await checkLedger(producer, userId, '20');
      expect(ledger.problems).toEqual([]);
      expect(ledger.applied.length + ledger.rejected.length).toBe(12);
    }
  });
});
