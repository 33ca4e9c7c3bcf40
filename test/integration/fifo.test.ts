import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet } from '../../src/wallet.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { createTestWallet, createUser, uniqueKey } from '../support/wallet.js';

let wallet: Wallet;
beforeAll(async () => {
  const suffix = uniqueKey('f').slice(0, 20);
  wallet = await createTestWallet({
    WALLET_COMMAND_QUEUE: `${suffix}-commands.fifo`,
    WALLET_DEAD_LETTER_QUEUE: `${suffix}-dlq.fifo`,
    WALLET_REPLY_QUEUE: `${suffix}-replies.fifo`,
  });
  wallet.startWorker();
});
afterAll(async () => {
  await wallet.close();
});

describe('FIFO queues', () => {
  it('groups by user and deduplicates by key at the producer, applying one user’s commands in order', async () => {
    const userId = await createUser(wallet, '0');
    const replies = new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply);
    const keys = Array.from({ length: 6 }, (_, index) => uniqueKey(`fifo-${index}`));
    for (const key of keys) await wallet.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '1' });
    // SQS drops the re-send: same MessageDeduplicationId within five minutes.
    await wallet.publishTransaction({ idempotentKey: keys[0] ?? '', userId, type: 'credit', amount: '1' });
    const all = await replies.waitForCount(keys.length);
    expect(all.map((reply) => reply.idempotentKey)).toEqual(keys);
    expect(all.map((reply) => reply.newBalance)).toEqual(['1.00', '2.00', '3.00', '4.00', '5.00', '6.00']);
    await replies.drain();
    expect(replies.replies).toHaveLength(keys.length);
  });
});
