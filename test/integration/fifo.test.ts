import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet } from '../../src/wallet.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { enforceSqsFifoIdRules } from '../support/sqs-fifo-id-rules.js';
import { refuseWritesOf } from '../support/write-faults.js';
import { createTestWallet, createUser, uniqueKey } from '../support/wallet.js';

let wallet: Wallet;
let replies: ReplyCollector;
beforeAll(async () => {
  const suffix = uniqueKey('f').slice(0, 20);
  wallet = await createTestWallet({
    WALLET_COMMAND_QUEUE: `${suffix}-commands.fifo`,
    WALLET_DEAD_LETTER_QUEUE: `${suffix}-dlq.fifo`,
    WALLET_REPLY_QUEUE: `${suffix}-replies.fifo`,
  });
  enforceSqsFifoIdRules(wallet.clients.sqs);
  wallet.startWorker();
  // One collector for the file: each test waits for its own keys, on users of its own.
  replies = new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply);
});
afterAll(async () => {
  await wallet.close();
});

describe('FIFO queues', () => {
  it('groups by user and drops an exact re-send at the producer, applying one user’s commands in order', async () => {
    const userId = await createUser(wallet, '0');
    const keys = Array.from({ length: 6 }, (_, index) => uniqueKey(`fifo-${index}`));
    for (const key of keys) await wallet.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '1' });
    // SQS drops the re-send: same MessageDeduplicationId (a hash of the whole command) within five minutes.
    await wallet.publishTransaction({ idempotentKey: keys[0] ?? '', userId, type: 'credit', amount: '1' });
    for (const key of keys) await replies.waitForKey(key);
    const mine = replies.replies.filter((reply) => reply.userId === userId);
    expect(mine.map((reply) => reply.idempotentKey)).toEqual(keys);
    expect(mine.map((reply) => reply.newBalance)).toEqual(['1.00', '2.00', '3.00', '4.00', '5.00', '6.00']);
  });

  it.each([
    ['non-ASCII', 'José', 'réf-Ñ-💶'],
    ['spaces', 'order 42', 'order 42 refund'],
  ])('sends, applies and replies to commands whose user id and key hold %s', async (_, userLabel, keyLabel) => {
    const userId = await createUser(wallet, '10', `${userLabel} ${uniqueKey()}`);
    const credit = `${keyLabel} ${uniqueKey()}`;
    const debit = `${keyLabel} ${uniqueKey()}`;
    await wallet.publishTransaction({ idempotentKey: credit, userId, type: 'credit', amount: '5' });
    await wallet.publishTransaction({ idempotentKey: debit, userId, type: 'debit', amount: '12' });
    const [first] = await replies.waitForKey(credit);
    const [second] = await replies.waitForKey(debit);
    expect(first).toMatchObject({ userId, status: 'applied', newBalance: '15.00' });
    expect(second).toMatchObject({ userId, status: 'applied', newBalance: '3.00' });
  });

  it('answers a different command under a reused key inside the deduplication window with idempotency_key_reused', async () => {
    const userId = await createUser(wallet, '10');
    const key = uniqueKey('reused');
    await wallet.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '5' });
    await wallet.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '7' });
    const [original, reused] = await replies.waitForKey(key, 2);
    expect(original).toMatchObject({ status: 'applied', amount: '5.00', newBalance: '15.00' });
    // A refusal echoes the amount as sent: formatting it by the wallet's currency would reveal the wallet (rule 4).
    expect(reused).toMatchObject({ status: 'rejected', reason: 'idempotency_key_reused', amount: '7' });
    await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '15.00' });
  });

  it('drops an exact duplicate written differently ("10" then "10.00", fields reordered), as the ledger would only replay it', async () => {
    const userId = await createUser(wallet, '0');
    const key = uniqueKey('same');
    await wallet.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '10' });
    await wallet.publishTransaction({ type: 'credit', amount: '10.00', userId, idempotentKey: key });
    // A later command of the same group is decided after anything sent before it.
    const after = uniqueKey('after');
    await wallet.publishTransaction({ idempotentKey: after, userId, type: 'credit', amount: '1' });
    await replies.waitForKey(after);
    expect(replies.forKey(key)).toEqual([expect.objectContaining({ status: 'applied', newBalance: '10.00', replayed: false })]);
  });
});

describe('FIFO queues: a failure inside a group', () => {
  for (const grouping of ['true', 'false']) {
    it(`decides none of a user's later commands in the batch before its earlier one that failed (group commit ${grouping === 'true' ? 'on' : 'off'})`, async () => {
      const suffix = uniqueKey('g').slice(0, 20);
      const own = await createTestWallet({
        WALLET_COMMAND_QUEUE: `${suffix}-commands.fifo`,
        WALLET_DEAD_LETTER_QUEUE: `${suffix}-dlq.fifo`,
        WALLET_REPLY_QUEUE: `${suffix}-replies.fifo`,
        WALLET_RETRY_BASE_SECONDS: '0',
        WALLET_GROUP_COMMIT: grouping,
      });
      try {
        const userId = await createUser(own, '0');
        const creditKey = uniqueKey('credit-fails-once');
        const debitKey = uniqueKey('debit-after-it');
        // The write carrying the credit fails once as a fault of the request (not an outage).
        const refusal = refuseWritesOf(own, creditKey, { times: 1 });
        // Both in one group, in one batch: the debit needs the credit's money.
        await own.publishTransaction({ idempotentKey: creditKey, userId, type: 'credit', amount: '10' });
        await own.publishTransaction({ idempotentKey: debitKey, userId, type: 'debit', amount: '10' });
        const replies = new ReplyCollector(own.clients.sqs, own.queueUrls.reply);
        own.startWorker({ pollers: 1 });
        const [creditReply] = await replies.waitForKey(creditKey);
        const [debitReply] = await replies.waitForKey(debitKey);
        expect(refusal.refused()).toBe(1);
        expect(creditReply).toMatchObject({ status: 'applied', newBalance: '10.00' });
        expect(debitReply).toMatchObject({ status: 'applied', newBalance: '0.00' });
      } finally {
        await own.close();
      }
    });
  }
});
