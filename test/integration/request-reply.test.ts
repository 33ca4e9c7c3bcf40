import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { describe, it } from 'vitest';
import { ReplyTimeoutError, ReplyWaitCancelledError } from '../../src/errors.js';
import { HEARTBEAT_TAG, listenerQueueName, OWNER_TAG, startReplyListener } from '../../src/queue/reply-listener.js';
import type { Wallet } from '../../src/wallet.js';
import { postJson, startApi } from '../support/api-server.js';
import { testCleanups } from '../support/cleanups.js';
import { eventually } from '../support/eventually.js';
import { createTestWallet, createUser, testConfig, uniqueKey } from '../support/wallet.js';
import { createWallet } from '../../src/wallet.js';
import { createLogger } from '../../src/logger.js';

/** Reads one message (with its attributes) from a queue, or undefined after a short long poll. */
async function receiveOne(wallet: Wallet, queueUrl: string, waitSeconds = 5): Promise<Message | undefined> {
  const { Messages = [] } = await wallet.clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: waitSeconds, MessageAttributeNames: ['All'] }),
  );
  return Messages[0];
}

async function queueDepth(wallet: Wallet, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await wallet.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
}

async function queueNames(wallet: Wallet, prefix: string): Promise<string[]> {
  const { QueueUrls = [] } = await wallet.clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
  return QueueUrls.map((url) => url.slice(url.lastIndexOf('/') + 1));
}

/** Sends a command as a producer of its own would, with the attributes it chooses. */
async function sendRaw(wallet: Wallet, command: object, attributes: Record<string, string>): Promise<void> {
  await wallet.clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: wallet.queueUrls.command,
      MessageBody: JSON.stringify(command),
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
      ),
    }),
  );
}

// The cases run side by side, each with queues of its own (the sweeps are confined to a wallet's own
// reply-queue prefix): their time is mostly long polls and heartbeats, which overlap instead of adding up.
// Each case has its own cleanups and uses its own `expect`.
describe.concurrent('request and reply', () => {
  it('gives two waiters that use one key for two users each their own reply and nothing of the other', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await cleanups.wallet();
    wallet.startWorker();
    const pairs = await Promise.all(
      Array.from({ length: 10 }, async () => ({
        key: uniqueKey('shared'),
        first: await createUser(wallet, '10.00'),
        second: await createUser(wallet, '20.00'),
      })),
    );
    await Promise.all(
      pairs.map(async ({ key, first, second }) => {
        const [a, b] = await Promise.all([
          wallet.publishTransaction(
            { idempotentKey: key, userId: first, amount: '1.00', type: 'credit' },
            { waitForReply: true, timeoutMs: 20_000 },
          ),
          wallet.publishTransaction(
            { idempotentKey: key, userId: second, amount: '2.00', type: 'credit' },
            { waitForReply: true, timeoutMs: 20_000 },
          ),
        ]);
        // Each waiter hears about its own command: its user, its amount.
        expect(a.reply).toMatchObject({ idempotentKey: key, userId: first, amount: '1.00' });
        expect(b.reply).toMatchObject({ idempotentKey: key, userId: second, amount: '2.00' });
        // One was applied, the other refused as a reused key without the first one's balance.
        const [applied, refused] = a.reply?.status === 'applied' ? [a.reply, b.reply] : [b.reply, a.reply];
        expect(applied).toMatchObject({ status: 'applied', newBalance: applied?.userId === first ? '11.00' : '22.00' });
        expect(refused).toMatchObject({ status: 'rejected', reason: 'idempotency_key_reused' });
        expect(refused?.newBalance).toBeUndefined();
      }),
    );
  });

  it('sends a reply whose ReplyTo is outside the reply-queue prefix to the default reply queue, with its CorrelationId', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await cleanups.wallet();
    const userId = await createUser(wallet, '5.00');
    const { QueueUrl: elsewhere = '' } = await wallet.clients.sqs.send(
      new CreateQueueCommand({ QueueName: `elsewhere-${randomUUID().slice(0, 8)}` }),
    );
    cleanups.defer(async () => void (await wallet.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: elsewhere }))));
    const prefixed = wallet.queueUrls.reply.replace(/\/[^/]+$/, `/${wallet.config.queues.reply}-gw-abc`);
    const otherHost = prefixed.replace(/^https?:\/\/[^/]+/, 'https://attacker.example');
    wallet.startWorker();

    for (const [label, replyTo] of [
      ['other queue', elsewhere],
      ['other host', otherHost],
      ['not a URL', 'wallet-replies-gw-x'],
    ] as const) {
      const correlationId = `corr-${label}-${randomUUID()}`;
      await sendRaw(
        wallet,
        { idempotentKey: uniqueKey('route'), userId, amount: '1', type: 'credit' },
        { ReplyTo: replyTo, CorrelationId: correlationId },
      );
      const message = await eventually(`the reply (${label}) on the default reply queue`, () =>
        receiveOne(wallet, wallet.queueUrls.reply, 1),
      );
      expect(message.MessageAttributes?.CorrelationId?.StringValue).toBe(correlationId);
    }
    expect(await queueDepth(wallet, elsewhere)).toBe(0);
  });

  it('sends a reply to an accepted ReplyTo queue, and to the default one once that queue is gone', async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await cleanups.wallet();
    const userId = await createUser(wallet, '5.00');
    const { QueueUrl: own = '' } = await wallet.clients.sqs.send(
      new CreateQueueCommand({ QueueName: listenerQueueName(wallet.config.queues.reply) }),
    );
    wallet.startWorker();

    await sendRaw(
      wallet,
      { idempotentKey: uniqueKey('own'), userId, amount: '1', type: 'credit' },
      { ReplyTo: own, CorrelationId: 'c-own' },
    );
    const first = await eventually('the reply on the ReplyTo queue', () => receiveOne(wallet, own, 1));
    expect(first.MessageAttributes?.CorrelationId?.StringValue).toBe('c-own');
    expect(JSON.parse(first.Body ?? '')).toMatchObject({ userId, status: 'applied' });

    // The waiting process went away with its queue: the command is not retried forever.
    await wallet.clients.sqs.send(new DeleteQueueCommand({ QueueUrl: own }));
    const key = uniqueKey('gone');
    await sendRaw(wallet, { idempotentKey: key, userId, amount: '1', type: 'credit' }, { ReplyTo: own, CorrelationId: 'c-gone' });
    const fallback = await eventually('the reply on the default reply queue', () => receiveOne(wallet, wallet.queueUrls.reply, 1));
    expect(fallback.MessageAttributes?.CorrelationId?.StringValue).toBe('c-gone');
    expect(JSON.parse(fallback.Body ?? '')).toMatchObject({ idempotentKey: key, status: 'applied', replayed: false });
  });

  it('answers 200 concurrent wait=true requests through the gateway', async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await cleanups.wallet({ WALLET_POLLERS: '4' });
    wallet.startWorker();
    const api = await startApi(wallet);
    cleanups.defer(() => api.close());
    const users = await Promise.all(Array.from({ length: 20 }, () => createUser(wallet, '1000.00')));
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        postJson(`${api.baseUrl}/transactions?wait=true&timeoutMs=30000`, {
          idempotentKey: uniqueKey(`many-${index}`),
          userId: users[index % users.length],
          amount: '1.00',
          type: 'debit',
        }),
      ),
    );
    expect(results.filter((result) => result.status !== 200)).toEqual([]);
    expect(results.every((result) => result.body.status === 'applied')).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('gives two gateways on one command queue each only their own replies', async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const first = await cleanups.wallet({ WALLET_POLLERS: '4' });
    // A second process: its own wallet (own clients, own reply listener) on the same queues.
    const second = await createWallet({
      config: { ...testConfig(), endpoints: first.config.endpoints, stack: first.config.stack, queues: first.config.queues },
      logger: createLogger('silent'),
    });
    cleanups.defer(() => second.close());
    first.startWorker();
    const [apiA, apiB] = [await startApi(first), await startApi(second)];
    cleanups.defer(() => apiA.close());
    cleanups.defer(() => apiB.close());
    const userId = await createUser(first, '1000.00');

    const send = (baseUrl: string, label: string) =>
      Promise.all(
        Array.from({ length: 25 }, async (_, index) => {
          const idempotentKey = uniqueKey(`${label}-${index}`);
          const { status, body } = await postJson(`${baseUrl}/transactions?wait=true&timeoutMs=20000`, {
            idempotentKey,
            userId,
            amount: '1.00',
            type: 'credit',
          });
          return { status, idempotentKey, replyKey: body.idempotentKey };
        }),
      );
    const results = (await Promise.all([send(apiA.baseUrl, 'a'), send(apiB.baseUrl, 'b')])).flat();
    for (const result of results)
      expect(result).toEqual({ status: 200, idempotentKey: result.idempotentKey, replyKey: result.idempotentKey });
    expect(await queueDepth(first, first.queueUrls.reply)).toBe(0);
  });

  it('deletes its own reply queue on close and sweeps an abandoned idle one', async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await createTestWallet({ WALLET_REPLY_QUEUE_IDLE_SECONDS: '60' });
    cleanups.defer(() => wallet.close());
    const prefix = `${wallet.config.queues.reply}-gw-`;
    const sqs = wallet.clients.sqs;
    // A crashed process's queue (heartbeat 2 minutes old), a live one's, and a queue that is not a listener's.
    const create = (name: string, tags: Record<string, string>) => sqs.send(new CreateQueueCommand({ QueueName: name, tags }));
    await create(`${prefix}crashed`, { [OWNER_TAG]: 'true', [HEARTBEAT_TAG]: String(Date.now() - 120_000) });
    await create(`${prefix}alive`, { [OWNER_TAG]: 'true', [HEARTBEAT_TAG]: String(Date.now()) });
    await create(`${prefix}foreign`, {});
    cleanups.defer(async () => {
      for (const name of ['alive', 'foreign']) {
        const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: `${prefix}${name}` }));
        await sqs.send(new DeleteQueueCommand({ QueueUrl }));
      }
    });

    const userId = await createUser(wallet, '1.00');
    wallet.startWorker();
    await wallet.publishTransaction(
      { idempotentKey: uniqueKey('sweep'), userId, amount: '1', type: 'credit' },
      { waitForReply: true, timeoutMs: 20_000 },
    );
    await eventually('the abandoned queue to be swept', async () =>
      (await queueNames(wallet, prefix)).includes(`${prefix}crashed`) ? undefined : true,
    );
    const names = await queueNames(wallet, prefix);
    const own = names.filter((name) => /-gw-[0-9a-f]{12}$/.test(name));
    expect(names.sort()).toEqual([`${prefix}alive`, `${prefix}foreign`, ...own].sort());
    expect(own).toHaveLength(1);

    await wallet.close();
    expect(
      (
        await createTestWallet().then(async (other) => {
          try {
            return await queueNames(other, prefix);
          } finally {
            await other.close();
          }
        })
      ).sort(),
    ).toEqual([`${prefix}alive`, `${prefix}foreign`]);
  });

  it("keeps a live process's reply queue alive past the idle time while other processes sweep", async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const first = await cleanups.wallet({ WALLET_REPLY_QUEUE_IDLE_SECONDS: '2' });
    const second = await createWallet({ config: { ...first.config }, logger: createLogger('silent') });
    cleanups.defer(() => second.close());
    first.startWorker();
    const userId = await createUser(first, '1.00');
    const started = Date.now();
    for (const wallet of [first, second]) {
      await wallet.publishTransaction(
        { idempotentKey: uniqueKey('alive'), userId, amount: '1', type: 'credit' },
        { waitForReply: true, timeoutMs: 20_000 },
      );
    }
    const prefix = `${first.config.queues.reply}-gw-`;
    const listed = (await first.clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }))).QueueUrls ?? [];
    expect(listed).toHaveLength(2);
    // Both heartbeats (each followed by a sweep) have run after the first queue would count as idle.
    await eventually(
      'both heartbeats past the idle time',
      async () => {
        const beats = await Promise.all(
          listed.map(async (url) =>
            Number((await first.clients.sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags?.[HEARTBEAT_TAG]),
          ),
        );
        return beats.every((beat) => beat > started + 3_000) ? true : undefined;
      },
      15_000,
    );
    expect((await queueNames(first, prefix)).length).toBe(2);
    const { reply } = await first.publishTransaction(
      { idempotentKey: uniqueKey('still'), userId, amount: '1', type: 'credit' },
      { waitForReply: true, timeoutMs: 20_000 },
    );
    expect(reply).toMatchObject({ status: 'applied' });
  });

  it('drops a reply whose waiter gave up instead of leaving it on the queue', async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await cleanups.wallet();
    const userId = await createUser(wallet, '1.00');
    // No worker yet: the first wait times out, and its reply arrives later with nobody waiting.
    const late = wallet.publishTransaction(
      { idempotentKey: uniqueKey('late'), userId, amount: '1', type: 'credit' },
      { waitForReply: true, timeoutMs: 200 },
    );
    await expect(late).rejects.toBeInstanceOf(ReplyTimeoutError);
    const [own] =
      (await wallet.clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: `${wallet.config.queues.reply}-gw-` }))).QueueUrls ?? [];
    wallet.startWorker();
    // The listener polls only while someone waits. The late command leaves the command queue only after
    // its reply is published: from then on the next wait's first poll finds that reply, whichever reply
    // lands first (without this, the next reply could end the polls before the late one landed).
    await eventually('the late command answered', async () =>
      (await queueDepth(wallet, wallet.queueUrls.command)) === 0 ? true : undefined,
    );
    const { reply } = await wallet.publishTransaction(
      { idempotentKey: uniqueKey('next'), userId, amount: '1', type: 'credit' },
      { waitForReply: true, timeoutMs: 20_000 },
    );
    expect(reply).toMatchObject({ userId, status: 'applied' });
    await eventually('the late reply to be read and dropped', async () => ((await queueDepth(wallet, own ?? '')) === 0 ? true : undefined));
    expect(await queueDepth(wallet, wallet.queueUrls.reply)).toBe(0);
  });

  it('waits on a FIFO reply queue of its own when the reply queue is FIFO', async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const prefix = uniqueKey('f').slice(0, 20);
    const wallet = await cleanups.wallet({
      WALLET_COMMAND_QUEUE: `${prefix}-commands.fifo`,
      WALLET_DEAD_LETTER_QUEUE: `${prefix}-dlq.fifo`,
      WALLET_REPLY_QUEUE: `${prefix}-replies.fifo`,
    });
    wallet.startWorker();
    const users = await Promise.all(['1.00', '2.00', '3.00'].map((balance) => createUser(wallet, balance)));
    const results = await Promise.all(
      users.map((userId) =>
        wallet.publishTransaction(
          { idempotentKey: uniqueKey('fifo-wait'), userId, amount: '1', type: 'credit' },
          { waitForReply: true, timeoutMs: 20_000 },
        ),
      ),
    );
    expect(results.map((result) => result.reply?.newBalance)).toEqual(['2.00', '3.00', '4.00']);
    expect(await queueNames(wallet, `${prefix}-replies-gw-`)).toEqual([
      expect.stringMatching(new RegExp(`^${prefix}-replies-gw-[0-9a-f]{12}\\.fifo$`)),
    ]);
  });

  it('ends a wait nobody awaits yet (a request still publishing) when its listener stops: its caller gets the rejection, the process no unhandled one', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await cleanups.wallet();
    const listener = await startReplyListener({ sqs: wallet.clients.sqs, config: wallet.config, logger: wallet.logger });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    cleanups.defer(() => {
      process.off('unhandledRejection', onUnhandled);
    });
    // As a producer's request does: the wait first, then the publish, and only after it an await of the reply.
    const pending = listener.expect(randomUUID(), { timeoutMs: 60_000 });
    await listener.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
    await expect(pending.reply).rejects.toBeInstanceOf(ReplyWaitCancelledError);
  });

  it('ends the wait of an HTTP client that disconnects', async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await cleanups.wallet();
    const waits: Promise<unknown>[] = [];
    // The gateway's wallet, recording how each wait ends (no worker runs: no reply will come).
    const api = await startApi({
      ...wallet,
      publishTransaction: (input, options) => {
        const wait = wallet.publishTransaction(input, options);
        waits.push(wait.catch((error: unknown) => error));
        return wait;
      },
    });
    cleanups.defer(() => api.close());
    const client = new AbortController();
    const request = fetch(`${api.baseUrl}/transactions?wait=true&timeoutMs=30000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ idempotentKey: uniqueKey('gone'), userId: 'someone', amount: '1', type: 'credit' }),
      signal: client.signal,
    }).catch(() => undefined);
    await eventually('the command on the queue', async () => ((await queueDepth(wallet, wallet.queueUrls.command)) > 0 ? true : undefined));
    const abortedAt = Date.now();
    client.abort();
    await request;
    const outcome = await waits[0];
    expect(outcome).toBeInstanceOf(ReplyWaitCancelledError);
    expect(Date.now() - abortedAt).toBeLessThan(5_000);
  });
});
