import { randomUUID } from 'node:crypto';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProducer, InvalidRequestError, type Producer } from '../../src/producer/index.js';
import { ReplyCollector } from '../../src/testing/index.js';
import type { Wallet } from '../../src/wallet.js';
import { createTestWallet, createUser, uniqueKey } from '../support/wallet.js';

/** A client as another service would build it: its own region, endpoint and credentials, nothing of ours. */
function serviceSqsClient(wallet: Wallet): SQSClient {
  return new SQSClient({
    region: 'us-east-1',
    endpoint: wallet.config.endpoints.sqs,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
}

describe('the producer client (wallet-worker/producer): only an SQS client', () => {
  let wallet: Wallet;
  let sqs: SQSClient;
  let producer: Producer;
  beforeAll(async () => {
    wallet = await createTestWallet();
    wallet.startWorker({ pollers: 1 });
    sqs = serviceSqsClient(wallet);
    // Queue names, as a service's configuration holds them; the command queue is looked up by name.
    producer = createProducer({ sqs, commandQueue: wallet.config.queues.command, replyQueue: wallet.config.queues.reply });
  });
  afterAll(async () => {
    await producer.close();
    sqs.destroy();
    await wallet.close();
  });

  it('sends a command and resolves with its reply; concurrent requests for one key each get theirs', async () => {
    const userId = await createUser(wallet, '10.00');
    const command = { idempotentKey: uniqueKey('producer'), userId, type: 'credit', amount: '2.50' };
    await expect(producer.request(command)).resolves.toMatchObject({ status: 'applied', newBalance: '12.50', replayed: false });
    const again = await Promise.all([producer.request(command), producer.request(command)]);
    expect(again.map((reply) => [reply.newBalance, reply.replayed])).toEqual([
      ['12.50', true],
      ['12.50', true],
    ]);
  });

  it('refuses an invalid command before sending anything', async () => {
    await expect(producer.send({ idempotentKey: 'k', userId: 'u', type: 'credit', amount: '1e2' })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });

  it('send with a CorrelationId: the reply comes to the worker’s reply queue carrying it', async () => {
    const userId = await createUser(wallet, '1.00');
    const correlationId = randomUUID();
    await producer.send({ idempotentKey: uniqueKey('send'), userId, type: 'debit', amount: '0.25' }, { correlationId });
    const collector = new ReplyCollector(sqs, wallet.queueUrls.reply);
    await expect(collector.waitFor(correlationId)).resolves.toEqual([
      expect.objectContaining({ userId, status: 'applied', newBalance: '0.75' }),
    ]);
  });
});

describe('the producer on FIFO queues', () => {
  let wallet: Wallet;
  let sqs: SQSClient;
  beforeAll(async () => {
    const prefix = `pf-${randomUUID().slice(0, 8)}`;
    // No worker: the messages stay on the queue to be read as SQS holds them.
    wallet = await createTestWallet({
      WALLET_COMMAND_QUEUE: `${prefix}-commands.fifo`,
      WALLET_DEAD_LETTER_QUEUE: `${prefix}-dlq.fifo`,
      WALLET_REPLY_QUEUE: `${prefix}-replies.fifo`,
    });
    sqs = serviceSqsClient(wallet);
  });
  afterAll(async () => {
    sqs.destroy();
    await wallet.close();
  });

  it('groups by userId and deduplicates on the whole command (SPEC rule 11)', async () => {
    const producer = createProducer({ sqs, commandQueue: wallet.queueUrls.command, replyQueue: wallet.config.queues.reply });
    const command = { idempotentKey: uniqueKey('fifo'), userId: 'fifo user', type: 'credit', amount: '1.00' };
    await producer.send(command);
    await producer.send({ ...command, amount: '1' }); // the same command to the ledger: dropped by SQS
    await producer.send({ ...command, amount: '2.00' }); // another command under the key: delivered (and refused by the worker)
    // A FIFO group hands out its next message once the one before is deleted.
    const messages: Message[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: wallet.queueUrls.command,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['MessageGroupId'],
        }),
      );
      if (Messages.length === 0) break;
      messages.push(...Messages);
      for (const { ReceiptHandle } of Messages)
        await sqs.send(new DeleteMessageCommand({ QueueUrl: wallet.queueUrls.command, ReceiptHandle }));
    }
    expect(messages.map((message) => JSON.parse(message.Body ?? '{}').amount)).toEqual(['1.00', '2.00']);
    expect(new Set(messages.map((message) => message.Attributes?.MessageGroupId))).toEqual(
      new Set([expect.stringMatching(/^[0-9a-f]{64}$/)]),
    ); // "fifo user" has a space: hashed
    await producer.close();
  });
});
