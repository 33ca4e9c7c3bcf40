import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type BatchResultErrorEntry,
  type SendMessageBatchCommandInput,
} from '@aws-sdk/client-sqs';
import { describe, it } from 'vitest';
import { STSClient } from '@aws-sdk/client-sts';
import { createStsClient } from '../../src/clients.js';
import { ReplyTimeoutError } from '../../src/errors.js';
import { createProducer, type Producer } from '../../src/producer/index.js';
import { CREATOR_TAG, listenerQueueName, startReplyListener } from '../../src/queue/reply-listener.js';
import { resolveCallerIdentity } from '../../src/queue/reply-queue-policy.js';
import { createWallet, type Wallet } from '../../src/wallet.js';
import { testCleanups } from '../support/cleanups.js';
import { eventually } from '../support/eventually.js';
import { capturingLogger } from '../support/log-capture.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { createUser, testConfig, uniqueKey } from '../support/wallet.js';

/** Issue 23, F1 and F10: who may write to, read from and be refused by the reply queues. */

type Cleanups = ReturnType<typeof testCleanups>;
/** What the embedded SQS emulator stamps as SenderId on every message: its one account. */
const EMULATOR_SENDER_ID = '000000000000';
const KEY_ARN = 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab';

async function walletWithLog(
  cleanups: Cleanups,
  overrides: Record<string, string> = {},
): Promise<{ wallet: Wallet; lines: Record<string, unknown>[] }> {
  const { logger, lines } = capturingLogger('info');
  const wallet = await createWallet({ config: testConfig(overrides), logger });
  cleanups.defer(() => wallet.close());
  return { wallet, lines };
}

function aReply(idempotentKey: string, userId: string) {
  return JSON.stringify({
    idempotentKey,
    userId,
    type: 'credit',
    amount: '1000000.00',
    status: 'applied',
    newBalance: '1000000.00',
    replayed: false,
    processedAt: new Date().toISOString(),
  });
}

// The cases run side by side, each on queues of its own: their time is long polls and waits for
// replies (or for none), which overlap instead of adding up. Each has its own cleanups and `expect`.
describe.concurrent('a waiting process’s own reply queue (F1)', () => {
  it('is created with a policy that refuses requests without TLS, sends from anyone but the worker, and reads by anyone but its creator, and with the configured KMS key', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = (await walletWithLog(cleanups, { WALLET_WORKER_SENDER_IDS: 'AROAWORKERROLE', WALLET_REPLY_QUEUE_KMS_KEY: KEY_ARN }))
      .wallet;
    const sts = createStsClient(wallet.config);
    cleanups.defer(() => sts.destroy());
    const identity = await resolveCallerIdentity(sts, wallet.config, wallet.logger);
    expect(identity?.userId).toBe(EMULATOR_SENDER_ID);
    const listener = await startReplyListener({ sqs: wallet.clients.sqs, config: wallet.config, logger: wallet.logger, identity });
    cleanups.defer(() => listener.stop());

    const { Attributes = {} } = await wallet.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: listener.queueUrl, AttributeNames: ['Policy', 'KmsMasterKeyId', 'QueueArn'] }),
    );
    expect(Attributes.KmsMasterKeyId).toBe(KEY_ARN);
    const policy = JSON.parse(Attributes.Policy ?? '{}') as {
      Statement: { Sid: string; Effect: string; Action: unknown; Resource: string; Condition: unknown }[];
    };
    expect(policy.Statement.every((statement) => statement.Effect === 'Deny' && statement.Resource === Attributes.QueueArn)).toBe(true);
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({ Sid: 'DenyWithoutTls', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Sid: 'DenySendToOthers',
        Action: 'sqs:SendMessage',
        Condition: { StringNotLike: { 'aws:userid': ['AROAWORKERROLE', 'AROAWORKERROLE:*'] } },
      }),
    );
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Sid: 'DenyReadToOthers',
        Action: expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:SetQueueAttributes']),
        Condition: { StringNotEquals: { 'aws:userid': EMULATOR_SENDER_ID } },
      }),
    );
  });

  it('drops a reply whose SenderId is not the configured worker’s (on the emulator every sender is the one account 000000000000, so a worker id the emulator never stamps stands for a forger)', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const { wallet, lines } = await walletWithLog(cleanups, { WALLET_WORKER_SENDER_IDS: 'AROAWORKERROLE' });
    const listener = await startReplyListener({ sqs: wallet.clients.sqs, config: wallet.config, logger: wallet.logger });
    cleanups.defer(() => listener.stop());
    const pending = listener.expect('forged-1', { timeoutMs: 30_000 });
    cleanups.defer(() => pending.cancel());
    await wallet.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: listener.queueUrl,
        MessageBody: aReply('k-forged', 'victim'),
        MessageAttributes: { CorrelationId: { DataType: 'String', StringValue: 'forged-1' } },
      }),
    );
    const dropped = await eventually('the forged reply dropped', () =>
      lines.find((line) => line.msg === 'reply from a sender that is not the worker dropped'),
    );
    expect(dropped).toMatchObject({ level: 40, senderId: EMULATOR_SENDER_ID, correlationId: 'forged-1' });
    let settled = false;
    void pending.reply.then(
      () => (settled = true),
      () => (settled = true),
    );
    await Promise.resolve();
    expect(settled).toBe(false);
  });

  it('hands over a reply whose SenderId is the configured worker’s (here the emulator’s one account)', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const { wallet } = await walletWithLog(cleanups, { WALLET_WORKER_SENDER_IDS: EMULATOR_SENDER_ID });
    const listener = await startReplyListener({ sqs: wallet.clients.sqs, config: wallet.config, logger: wallet.logger });
    cleanups.defer(() => listener.stop());
    const pending = listener.expect('genuine-1', { timeoutMs: 30_000 });
    await wallet.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: listener.queueUrl,
        MessageBody: aReply('k-genuine', 'someone'),
        MessageAttributes: { CorrelationId: { DataType: 'String', StringValue: 'genuine-1' } },
      }),
    );
    await expect(pending.reply).resolves.toMatchObject({ idempotentKey: 'k-genuine' });
  });
});

describe.concurrent('the producer client’s own reply queue (F1): the gateway’s policy, not a second one', () => {
  /** A service's client: its own endpoint and credentials; the producer asks STS who it is through the same endpoint. */
  function producerFor(
    cleanups: Cleanups,
    wallet: Wallet,
    replyQueueSecurity: { workerSenderIds?: string[]; kmsKey?: string },
    logger = wallet.logger,
    sts?: STSClient,
  ): Producer {
    const sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: wallet.config.endpoints.sqs,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    cleanups.defer(() => sqs.destroy());
    const producer = createProducer({
      sqs,
      commandQueue: wallet.config.queues.command,
      replyQueue: wallet.config.queues.reply,
      replyQueueSecurity,
      logger,
      ...(sts && { sts }),
    });
    cleanups.defer(() => producer.close());
    return producer;
  }

  /** The producer's reply queue, once its first request made it (no worker runs: the command stays on the queue). */
  async function producerQueue(wallet: Wallet): Promise<string> {
    const prefix = listenerQueueName(wallet.config.queues.reply, '');
    return eventually(
      'the producer’s reply queue',
      async () => (await wallet.clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }))).QueueUrls?.[0],
    );
  }

  it('is created with the waiting process’s policy (no TLS refused, sends only from the worker, reads only by its creator), the KMS key and the creator tag', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const { wallet } = await walletWithLog(cleanups);
    const producer = producerFor(cleanups, wallet, { workerSenderIds: ['AROAWORKERROLE'], kmsKey: KEY_ARN });
    const waiting = producer.request(
      { idempotentKey: uniqueKey('producer-policy'), userId: 'u', type: 'credit', amount: '1.00' },
      { timeoutMs: 60_000 },
    );
    waiting.catch(() => undefined);
    const queueUrl = await producerQueue(wallet);

    const { Attributes = {} } = await wallet.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['Policy', 'KmsMasterKeyId', 'QueueArn'] }),
    );
    expect(Attributes.KmsMasterKeyId).toBe(KEY_ARN);
    const policy = JSON.parse(Attributes.Policy ?? '{}') as {
      Statement: { Sid: string; Effect: string; Resource: string; Condition: unknown }[];
    };
    expect(policy.Statement.every((statement) => statement.Effect === 'Deny' && statement.Resource === Attributes.QueueArn)).toBe(true);
    expect(policy.Statement.map((statement) => [statement.Sid, statement.Condition])).toEqual([
      ['DenyWithoutTls', { Bool: { 'aws:SecureTransport': 'false' } }],
      ['DenySendToOthers', { StringNotLike: { 'aws:userid': ['AROAWORKERROLE', 'AROAWORKERROLE:*'] } }],
      ['DenyReadToOthers', { StringNotEquals: { 'aws:userid': EMULATOR_SENDER_ID } }],
    ]);
    const { Tags = {} } = await wallet.clients.sqs.send(new ListQueueTagsCommand({ QueueUrl: queueUrl }));
    expect(Tags[CREATOR_TAG]).toBe(EMULATOR_SENDER_ID);
  });

  it('drops a forged reply to a request (on the emulator every sender is the one account 000000000000, so a worker id the emulator never stamps stands for a forger; the policy’s Deny itself is not enforced there)', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const { wallet } = await walletWithLog(cleanups);
    const { logger, lines } = capturingLogger('info');
    const producer = producerFor(cleanups, wallet, { workerSenderIds: ['AROAWORKERROLE'] }, logger);
    const key = uniqueKey('producer-forged');
    const waiting = producer.request({ idempotentKey: key, userId: 'victim', type: 'credit', amount: '1.00' }, { timeoutMs: 5_000 });
    waiting.catch(() => undefined);
    // The forger reads the command (no worker runs) and answers its ReplyTo with its CorrelationId.
    const command = await eventually('the command on its queue', async () => {
      const { Messages = [] } = await wallet.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: wallet.queueUrls.command, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
      );
      return Messages[0];
    });
    const replyTo = command.MessageAttributes?.ReplyTo?.StringValue ?? '';
    const correlationId = command.MessageAttributes?.CorrelationId?.StringValue ?? '';
    await wallet.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: replyTo,
        MessageBody: aReply(key, 'victim'),
        MessageAttributes: { CorrelationId: { DataType: 'String', StringValue: correlationId } },
      }),
    );
    await expect(waiting).rejects.toBeInstanceOf(ReplyTimeoutError);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: 'reply from a sender that is not the worker dropped',
        senderId: EMULATOR_SENDER_ID,
        correlationId,
      }),
    );
  });

  it('makes no reply queue when STS cannot say who the producer is: the request fails instead of waiting on a queue open to the account', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const { wallet } = await walletWithLog(cleanups);
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: wallet.config.endpoints.sqs,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    cleanups.defer(() => sts.destroy());
    sts.middlewareStack.add(
      () => async () => {
        throw Object.assign(new Error('injected: STS unreachable'), { name: 'TimeoutError' });
      },
      { step: 'initialize', name: 'noSts', priority: 'high' },
    );
    const producer = producerFor(cleanups, wallet, { workerSenderIds: ['AROAWORKERROLE'] }, wallet.logger, sts);
    await expect(
      producer.request({ idempotentKey: uniqueKey('producer-no-sts'), userId: 'u', type: 'credit', amount: '1.00' }),
    ).rejects.toThrow('injected: STS unreachable');
    const { QueueUrls = [] } = await wallet.clients.sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: listenerQueueName(wallet.config.queues.reply, '') }),
    );
    expect(QueueUrls).toEqual([]);
  });
});

describe.concurrent('a ReplyTo queue that refuses the worker (F10)', () => {
  it('gets its reply on the default reply queue at once, logged, instead of the command being retried to the DLQ', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const { wallet, lines } = await walletWithLog(cleanups);
    const userId = await createUser(wallet, '5.00');
    const { QueueUrl: refusing = '' } = await wallet.clients.sqs.send(
      new CreateQueueCommand({ QueueName: listenerQueueName(wallet.config.queues.reply) }),
    );
    // The queue's policy (or its KMS key) refuses the worker: SQS answers 403 AccessDenied.
    wallet.clients.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'SendMessageBatchCommand' && (args.input as { QueueUrl?: string }).QueueUrl === refusing) {
          throw Object.assign(new Error('injected: Access to the resource is denied'), {
            name: 'AccessDenied',
            $fault: 'client',
            $metadata: { httpStatusCode: 403 },
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'refuseReplyTo', priority: 'high' },
    );
    wallet.startWorker({ pollers: 1 });
    const key = uniqueKey('refused-reply-to');
    await wallet.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: wallet.queueUrls.command,
        MessageBody: JSON.stringify({ idempotentKey: key, userId, amount: '1.00', type: 'credit' }),
        MessageAttributes: {
          ReplyTo: { DataType: 'String', StringValue: refusing },
          CorrelationId: { DataType: 'String', StringValue: 'c-refused' },
        },
      }),
    );
    const [reply] = await new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply).waitForKey(key, 1, 20_000);
    // Decided once, answered on its first delivery: not a replay of a retried command.
    expect(reply).toMatchObject({ idempotentKey: key, status: 'applied', newBalance: '6.00', replayed: false });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: 'ReplyTo queue refused the reply; replies go to the default reply queue',
        queueUrl: refusing,
      }),
    );
    expect(lines.filter((line) => line.msg === 'reply not published; the command will be redelivered')).toEqual([]);
  });

  it('moves one reply of a batch to the default reply queue when SQS refuses only that entry (Failed, SenderFault, KMS access denied), and sends the rest to the ReplyTo queue', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const { wallet, lines } = await walletWithLog(cleanups);
    const userId = await createUser(wallet, '5.00');
    const { QueueUrl: replyTo = '' } = await wallet.clients.sqs.send(
      new CreateQueueCommand({ QueueName: listenerQueueName(wallet.config.queues.reply) }),
    );
    const refusedKey = uniqueKey('refused-entry');
    const keptKey = uniqueKey('kept-entry');
    // The call succeeds; SQS lists the one entry in Failed (its KMS key refuses the worker).
    failEntries(
      wallet.clients.sqs,
      replyTo,
      (body) => body.includes(refusedKey),
      () => ({ SenderFault: true, Code: 'KMS.AccessDeniedException', Message: 'injected: access to the KMS key is denied' }),
    );
    wallet.startWorker({ pollers: 1 });
    await sendCommands(wallet, replyTo, [
      { idempotentKey: refusedKey, userId, amount: '1.00', type: 'credit' },
      { idempotentKey: keptKey, userId, amount: '1.00', type: 'credit' },
    ]);
    const [refused] = await new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply).waitForKey(refusedKey, 1, 20_000);
    expect(refused).toMatchObject({ idempotentKey: refusedKey, status: 'applied', replayed: false });
    const [kept] = await new ReplyCollector(wallet.clients.sqs, replyTo).waitForKey(keptKey, 1, 20_000);
    expect(kept).toMatchObject({ idempotentKey: keptKey, status: 'applied', replayed: false });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: 'ReplyTo queue refused the reply; replies go to the default reply queue',
        queueUrl: replyTo,
        replies: 1,
      }),
    );
    expect(lines.filter((line) => line.msg === 'reply not published; the command will be redelivered')).toEqual([]);
  });

  it('retries the command whose reply entry SQS failed for its own reasons (Failed, not SenderFault): the reply comes to the ReplyTo queue on redelivery', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const { wallet, lines } = await walletWithLog(cleanups);
    const userId = await createUser(wallet, '5.00');
    const { QueueUrl: replyTo = '' } = await wallet.clients.sqs.send(
      new CreateQueueCommand({ QueueName: listenerQueueName(wallet.config.queues.reply) }),
    );
    const key = uniqueKey('transient-entry');
    let failures = 0;
    failEntries(
      wallet.clients.sqs,
      replyTo,
      (body) => body.includes(key) && failures++ === 0,
      () => ({ SenderFault: false, Code: 'InternalError', Message: 'injected: internal error' }),
    );
    wallet.startWorker({ pollers: 1 });
    await sendCommands(wallet, replyTo, [{ idempotentKey: key, userId, amount: '1.00', type: 'credit' }]);
    const [reply] = await new ReplyCollector(wallet.clients.sqs, replyTo).waitForKey(key, 1, 30_000);
    // Decided once; the redelivery replays the stored outcome.
    expect(reply).toMatchObject({ idempotentKey: key, status: 'applied', newBalance: '6.00', replayed: true });
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'reply not published; the command will be redelivered' }));
    expect(lines.filter((line) => line.msg === 'ReplyTo queue refused the reply; replies go to the default reply queue')).toEqual([]);
  });
});

/** SendMessageBatch to `queueUrl` lists the entries whose body `fails` in Failed (with `entry()`'s fields) and sends the others. */
function failEntries(
  sqs: SQSClient,
  queueUrl: string,
  fails: (body: string) => boolean,
  entry: () => Omit<BatchResultErrorEntry, 'Id'>,
): void {
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as SendMessageBatchCommandInput;
      if (context.commandName !== 'SendMessageBatchCommand' || input.QueueUrl !== queueUrl) return next(args);
      const failed = (input.Entries ?? []).filter((sent) => fails(sent.MessageBody ?? ''));
      if (failed.length === 0) return next(args);
      const rest = (input.Entries ?? []).filter((sent) => !failed.includes(sent));
      const result =
        rest.length > 0
          ? await next({ ...args, input: { ...input, Entries: rest } })
          : { output: { Successful: [], $metadata: {} }, response: {} };
      const output = result.output as { Failed?: BatchResultErrorEntry[] };
      return {
        ...result,
        output: { ...output, Failed: [...(output.Failed ?? []), ...failed.map((sent) => ({ Id: sent.Id, ...entry() }))] },
      } as typeof result;
    },
    { step: 'initialize', name: 'failReplyEntries', priority: 'high' },
  );
}

/** The commands in one SendMessageBatch, each asking for its reply on `replyTo`. */
async function sendCommands(wallet: Wallet, replyTo: string, commands: object[]): Promise<void> {
  await wallet.clients.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: wallet.queueUrls.command,
      Entries: commands.map((command, index) => ({
        Id: String(index),
        MessageBody: JSON.stringify(command),
        MessageAttributes: {
          ReplyTo: { DataType: 'String', StringValue: replyTo },
          CorrelationId: { DataType: 'String', StringValue: `c-${index}` },
        },
      })),
    }),
  );
}
