import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'vitest';
import { queueDepth } from '../../scripts/chaos/evidence.js';
import { loadConfig } from '../../src/config.js';
import { listDeadLetters, redriveDeadLetters, sendToDeadLetter } from '../../src/queue/dead-letters.js';
import { toFifoId } from '../../src/queue/fifo.js';
import { createWallet, type Wallet } from '../../src/wallet.js';
import { runScript } from '../support/child-process.js';
import { eventually } from '../support/eventually.js';
import { capturingLogger } from '../support/log-capture.js';
import { testCleanups } from '../support/cleanups.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { refuseWritesOf } from '../support/write-faults.js';
import { createUser, envFor, testEnv, uniqueKey } from '../support/wallet.js';

async function deadLetter(w: Wallet, body: string): Promise<void> {
  await w.clients.sqs.send(new SendMessageCommand({ QueueUrl: w.queueUrls.deadLetter, MessageBody: body }));
}

// The cases run side by side, each on queues of its own: their time is mostly receives, visibility
// timeouts and a CLI process, which overlap instead of adding up. Each has its own cleanups and `expect`.
describe.concurrent('the dead-letter queue', () => {
  it('lists dead-lettered commands with body, receive count and first-receive time, without consuming them', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const w = await cleanups.wallet();
    const bodies = [1, 2, 3].map((n) =>
      JSON.stringify({ idempotentKey: uniqueKey(`dead-${n}`), userId: 'u', amount: String(n), type: 'credit' }),
    );
    for (const body of bodies) await deadLetter(w, body);

    const first = await listDeadLetters(w.clients.sqs, w.queueUrls.deadLetter);
    expect(first.map((letter) => letter.body).sort()).toEqual([...bodies].sort());
    for (const letter of first) {
      expect(letter.receiveCount).toBeGreaterThanOrEqual(1);
      expect(Date.parse(letter.firstReceivedAt ?? '')).not.toBeNaN();
    }
    // Released at once: a second listing (or an operator's redrive) sees them all again.
    const second = await listDeadLetters(w.clients.sqs, w.queueUrls.deadLetter);
    expect(second.map((letter) => letter.messageId).sort()).toEqual(first.map((letter) => letter.messageId).sort());
    expect(await queueDepth(w.clients.sqs, w.queueUrls.deadLetter)).toBe(3);
  });

  it('logs why a command keeps failing on every delivery while the store is healthy, up to the last one before the DLQ, and redrives it to be applied once', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const { logger, lines } = capturingLogger('warn');
    const w = await createWallet({
      config: loadConfig(testEnv({ WALLET_MAX_RECEIVE_COUNT: '2', WALLET_RETRY_BASE_SECONDS: '0' })),
      logger,
    });
    cleanups.defer(() => w.close());
    const userId = await createUser(w, '10');
    const key = uniqueKey('refused');
    const refusal = refuseWritesOf(w, key);
    const worker = w.startWorker({ pollers: 1 });
    await w.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '5' });
    await eventually('the command in the DLQ', async () =>
      (await queueDepth(w.clients.sqs, w.queueUrls.deadLetter)) === 1 ? true : undefined,
    );

    const reasons = lines.filter((line) => line.idempotentKey === key && Boolean(line.err));
    expect(reasons.map((line) => [line.receiveCount, line.msg])).toEqual([
      [1, 'command not decided; it will be redelivered'],
      [2, 'command failed on its last delivery; SQS moves it to the dead-letter queue'],
    ]);
    expect(reasons.map((line) => (line.err as { code?: string }).code)).toEqual(['store_fault', 'store_fault']);

    await worker.stop();
    refusal.heal();
    await expect(redriveDeadLetters(w.clients.sqs, w.queueUrls)).resolves.toEqual({ moved: 1, failed: 0 });
    await expect(redriveDeadLetters(w.clients.sqs, w.queueUrls)).resolves.toEqual({ moved: 0, failed: 0 });
    expect(await queueDepth(w.clients.sqs, w.queueUrls.deadLetter)).toBe(0);

    const replies = new ReplyCollector(w.clients.sqs, w.queueUrls.reply);
    w.startWorker({ pollers: 1 });
    const [reply] = await replies.waitForKey(key);
    expect(reply).toMatchObject({ status: 'applied', newBalance: '15.00' });
    await expect(w.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '15.00' });
  });

  it('npm run dlq -- list and redrive work from the command line', async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const w = await cleanups.wallet();
    const env = { ...testEnv(), ...envFor(w) };
    const body = JSON.stringify({ idempotentKey: uniqueKey('cli'), userId: 'u', amount: '1', type: 'credit' });
    await deadLetter(w, body);

    const list = runScript('scripts/dlq.ts', env, ['list']);
    expect(await list.exited).toBe(0);
    expect(list.output()).toContain(JSON.stringify(body));
    expect(list.output()).toContain('1 message(s)');

    const redrive = runScript('scripts/dlq.ts', env, ['redrive']);
    expect(await redrive.exited).toBe(0);
    expect(redrive.output()).toContain('moved 1 message(s)');
    expect(await queueDepth(w.clients.sqs, w.queueUrls.deadLetter)).toBe(0);
    expect(await queueDepth(w.clients.sqs, w.queueUrls.command)).toBe(1);
  });

  it('redrives a dead-lettered FIFO command inside the deduplication window, twice, so it is applied in the end', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const suffix = uniqueKey('dlqf').slice(0, 20);
    const w = await createWallet({
      config: loadConfig(
        testEnv({
          WALLET_MAX_RECEIVE_COUNT: '2',
          WALLET_RETRY_BASE_SECONDS: '0',
          WALLET_COMMAND_QUEUE: `${suffix}-commands.fifo`,
          WALLET_DEAD_LETTER_QUEUE: `${suffix}-dlq.fifo`,
          WALLET_REPLY_QUEUE: `${suffix}-replies.fifo`,
        }),
      ),
      logger: capturingLogger('silent').logger,
    });
    cleanups.defer(() => w.close());
    const userId = await createUser(w, '10');
    const key = uniqueKey('fifo-redrive');
    const onDlq = () =>
      eventually('the command on the DLQ', async () =>
        (await queueDepth(w.clients.sqs, w.queueUrls.deadLetter)) === 1 ? true : undefined,
      );

    const refusal = refuseWritesOf(w, key);
    w.startWorker({ pollers: 1 });
    await w.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '5' });
    await onDlq();
    // Still failing: the redriven copy is delivered (not dropped as a duplicate) and dead-lettered again.
    await expect(redriveDeadLetters(w.clients.sqs, w.queueUrls)).resolves.toEqual({ moved: 1, failed: 0 });
    await onDlq();

    refusal.heal();
    const replies = new ReplyCollector(w.clients.sqs, w.queueUrls.reply);
    await expect(redriveDeadLetters(w.clients.sqs, w.queueUrls)).resolves.toEqual({ moved: 1, failed: 0 });
    const [reply] = await replies.waitForKey(key);
    expect(reply).toMatchObject({ status: 'applied', newBalance: '15.00' });
    expect(await queueDepth(w.clients.sqs, w.queueUrls.deadLetter)).toBe(0);
  });

  it('lists each message once when the listing takes longer than the visibility timeout, and releases them all', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const w = await cleanups.wallet();
    const bodies = Array.from({ length: 55 }, (_, n) =>
      JSON.stringify({ idempotentKey: uniqueKey(`slow-${n}`), userId: 'u', amount: '1', type: 'credit' }),
    );
    for (const body of bodies) await deadLetter(w, body);

    // Each page takes 500 ms (a slow link): the 7 pages outlast a 2 s visibility timeout.
    const letters = await listDeadLetters(slowReceives(w.clients.sqs, 500), w.queueUrls.deadLetter, { visibilityTimeoutSeconds: 2 });
    expect(letters.map((letter) => letter.body).sort()).toEqual([...bodies].sort());
    expect(new Set(letters.map((letter) => letter.messageId)).size).toBe(bodies.length);
    // Released at the end, not left hidden.
    const again = await listDeadLetters(w.clients.sqs, w.queueUrls.deadLetter);
    expect(again).toHaveLength(bodies.length);
  });

  it.for([
    ['a standard queue', ''],
    ['a FIFO queue', '.fifo'],
  ])(
    'sendToDeadLetter moves a poison message to the DLQ of %s with its reason, shown by list and dropped by redrive',
    async ([, fifo], { expect, onTestFinished }) => {
      const cleanups = testCleanups(onTestFinished);
      const suffix = uniqueKey('poison').slice(0, 20);
      const w = await cleanups.wallet(
        fifo
          ? {
              WALLET_COMMAND_QUEUE: `${suffix}-commands.fifo`,
              WALLET_DEAD_LETTER_QUEUE: `${suffix}-dlq.fifo`,
              WALLET_REPLY_QUEUE: `${suffix}-replies.fifo`,
            }
          : {},
      );
      const userId = `José ${uniqueKey()}`;
      const key = uniqueKey('poison');
      await w.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '5' });
      const original = await receiveOne(w.clients.sqs, w.queueUrls.command);
      // A producer's own attribute travels with the message to the DLQ and back.
      original.MessageAttributes = { ...original.MessageAttributes, CorrelationId: { DataType: 'String', StringValue: 'corr-1' } };

      const reason = { code: 'corrupt_item', detail: `balance of user ${JSON.stringify(userId)} is not money: "12.345"` };
      await sendToDeadLetter(w.clients.sqs, w.queueUrls, original, reason);
      await sendToDeadLetter(w.clients.sqs, w.queueUrls, original, reason);
      await w.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: w.queueUrls.command, ReceiptHandle: original.ReceiptHandle }));

      const letters = await listDeadLetters(w.clients.sqs, w.queueUrls.deadLetter);
      // Sent twice (a worker that crashed before deleting the original): FIFO drops the second copy.
      expect(letters).toHaveLength(fifo ? 1 : 2);
      expect(letters[0]).toMatchObject({ body: original.Body, reason, originalMessageId: original.MessageId });

      const list = runScript('scripts/dlq.ts', { ...testEnv(), ...envFor(w) }, ['list']);
      expect(await list.exited).toBe(0);
      expect(list.output()).toContain('"reason":{"code":"corrupt_item"');

      await expect(redriveDeadLetters(w.clients.sqs, w.queueUrls)).resolves.toEqual({ moved: letters.length, failed: 0 });
      const redriven = await receiveOne(w.clients.sqs, w.queueUrls.command);
      expect(redriven.Body).toBe(original.Body);
      expect(Object.keys(redriven.MessageAttributes ?? {}).sort()).toEqual(['CorrelationId']);
      if (fifo) expect(redriven.Attributes?.MessageGroupId).toBe(toFifoId(userId));
    },
  );
});

async function receiveOne(sqs: SQSClient, queueUrl: string): Promise<Message> {
  return eventually('a message', async () => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    return Messages[0];
  });
}

/** The same client, with every ReceiveMessage answered `ms` later (a slow link, to make a listing outlast its visibility timeout). */
function slowReceives(sqs: SQSClient, ms: number): SQSClient {
  return new Proxy(sqs, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown) => {
        if (command instanceof ReceiveMessageCommand) await sleep(ms);
        return target.send(command as never);
      };
    },
  });
}
