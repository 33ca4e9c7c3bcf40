import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOneEffect, crashAfterCommit, deliver, expectOneEffect, OneEffectError, seedWallet } from '../../src/testing/index.js';
import type { Wallet } from '../../src/wallet.js';
import { createTestWallet, uniqueKey } from '../support/wallet.js';

/** The kit on the run's shared stack (its own stack is what examples/consumer-service starts). */
describe('the test kit (wallet-worker/testing)', () => {
  let wallet: Wallet;
  let crash: ReturnType<typeof crashAfterCommit>;
  beforeAll(async () => {
    wallet = await createTestWallet();
    crash = crashAfterCommit({ times: 1, when: (command) => command.idempotentKey.startsWith('crash-') });
    wallet.startWorker({ hooks: crash.hooks });
  });
  afterAll(() => wallet.close());

  it('seeds a wallet that getCurrentBalance answers', async () => {
    const userId = await seedWallet(wallet, { balance: '12.34' });
    await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ userId, balance: '12.34', available: '12.34' });
  });

  it('a crash after the commit is redelivered by SQS and answered as a replay; one effect', async () => {
    const userId = await seedWallet(wallet, { balance: '10.00' });
    const command = { idempotentKey: uniqueKey('crash'), userId, type: 'debit', amount: '4.00' };
    const replies = await deliver(wallet, command, { times: 3, concurrently: true });
    expect(crash.crashes).toBe(1);
    await crash.done;
    const entry = await expectOneEffect(wallet, { command, replies, deliveries: 3, balanceBefore: '10.00' });
    expect(entry).toMatchObject({ status: 'applied', newBalance: '6.00' });
  });

  it('finds a second effect, a second decision and an unanswered delivery', async () => {
    const userId = await seedWallet(wallet, { balance: '5.00' });
    const command = { idempotentKey: uniqueKey('twice'), userId, type: 'credit', amount: '1.00' };
    const [reply] = await deliver(wallet, command, { times: 1 });
    if (!reply) throw new Error('no reply');
    await expect(expectOneEffect(wallet, { command, replies: [reply], balanceBefore: '5.00' })).resolves.toMatchObject({
      newBalance: '6.00',
    });

    // The balance moved a second time with no record of it, a delivery went unanswered, and two replies claim to have decided.
    await wallet.clients.ddb.send(
      new UpdateCommand({
        TableName: wallet.config.tables.users,
        Key: { userId },
        UpdateExpression: 'SET balance = :b',
        ExpressionAttributeValues: { ':b': 7 },
      }),
    );
    const { problems } = await checkOneEffect(wallet, { command, replies: [reply, { ...reply }], deliveries: 3, balanceBefore: '5.00' });
    expect(problems).toEqual([
      '3 deliveries but 2 replies',
      '2 replies with replayed: false (at most one delivery decides; the others replay)',
      expect.stringContaining('stored balance 7.00'),
      'balance 7.00 after a credit of 1.00 from 5.00',
    ]);
    await expect(expectOneEffect(wallet, { command, replies: [reply], balanceBefore: '5.00' })).rejects.toBeInstanceOf(OneEffectError);
  });
});
