import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { queueDepth } from '../../scripts/chaos/evidence.js';
import { listDeadLetters } from '../../src/queue/dead-letters.js';
import { useCleanups } from '../support/cleanups.js';
import { throttleUser } from '../support/engine-harness.js';
import { eventually } from '../support/eventually.js';
import { checkLedger } from '../support/ledger-check.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { createUser, uniqueKey } from '../support/wallet.js';

const cleanups = useCleanups();

/** Issue 20 through the worker: one bad item or one hot key never stops anyone else's replies. */
describe('the worker never wedges', () => {
  it('dead-letters a command whose key holds a corrupt record at once, and keeps answering everyone else', async () => {
    const w = await cleanups.wallet();
    const [owner, other] = await Promise.all([createUser(w, '10'), createUser(w, '10')]);
    const corruptKey = uniqueKey('corrupt');
    await w.clients.ddb.send(
      new PutCommand({
        TableName: w.config.tables.transactions,
        Item: { idempotentKey: corruptKey, userId: owner, type: 'credit', status: 'maybe' },
      }),
    );
    const replies = new ReplyCollector(w.clients.sqs, w.queueUrls.reply);
    w.startWorker();
    const fine = uniqueKey('fine');
    await w.publishTransaction({ idempotentKey: corruptKey, userId: owner, type: 'credit', amount: '1' });
    await w.publishTransaction({ idempotentKey: fine, userId: other, type: 'credit', amount: '1' });
    await replies.waitForKey(fine, 1, 15_000);
    const [letter] = await eventually(
      'the corrupt command on the DLQ',
      async () => {
        const letters = await listDeadLetters(w.clients.sqs, w.queueUrls.deadLetter);
        return letters.length === 1 ? letters : undefined;
      },
      15_000,
    );
    expect(letter).toMatchObject({ receiveCount: 1, reason: { code: 'corrupt_item' } });
    // The worker is not left re-sending it: the owner's next command is answered too.
    const next = uniqueKey('next');
    await w.publishTransaction({ idempotentKey: next, userId: owner, type: 'credit', amount: '2' });
    expect((await replies.waitForKey(next, 1, 15_000))[0]).toMatchObject({ status: 'applied', newBalance: '12.00' });
  });

  it('rides out throttling of one hot user far past maxReceiveCount × visibility: nothing dead-lettered, bystanders answered meanwhile, the hot command applied once', async () => {
    const w = await cleanups.wallet({
      WALLET_MAX_RECEIVE_COUNT: '2',
      WALLET_VISIBILITY_TIMEOUT_SECONDS: '2',
      WALLET_RETRY_BASE_SECONDS: '0',
      WALLET_MAX_CONFLICT_RETRIES: '1',
    });
    const [hot, bystander] = await Promise.all([createUser(w, '10'), createUser(w, '10')]);
    let throttling = true;
    const throttle = throttleUser(w, hot, () => throttling);
    const replies = new ReplyCollector(w.clients.sqs, w.queueUrls.reply);
    w.startWorker();
    const hotKey = uniqueKey('hot');
    await w.publishTransaction({ idempotentKey: hotKey, userId: hot, type: 'credit', amount: '1' });
    await eventually('the hot user throttled', () => (throttle.throttled() >= 1 ? true : undefined));
    const started = Date.now();
    for (let index = 0; index < 3; index++) {
      const key = uniqueKey(`bystander-${index}`);
      await w.publishTransaction({ idempotentKey: key, userId: bystander, type: 'credit', amount: '1' });
      await replies.waitForKey(key, 1, 15_000);
    }
    // Eight throttled tries back off over ~12 s: six visibility timeouts, three times what SQS allows a failing message.
    await eventually('eight throttled tries', () => (throttle.throttled() >= 8 ? true : undefined), 60_000);
    expect(Date.now() - started).toBeGreaterThan(2 * 2 * 1000);
    throttling = false;
    const [reply] = await replies.waitForKey(hotKey, 1, 30_000);
    expect(reply).toMatchObject({ status: 'applied', newBalance: '11.00', replayed: false });
    expect(await queueDepth(w.clients.sqs, w.queueUrls.deadLetter)).toBe(0);
    expect((await checkLedger(w, hot, '10')).applied).toHaveLength(1);
  }, 120_000);
});
