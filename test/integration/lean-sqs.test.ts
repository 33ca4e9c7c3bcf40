import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createServer } from 'node:net';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { countDeliveries, injectSqsFaults } from '../../scripts/chaos/fault-injection.js';
import { useLeanSqs } from '../../src/net/lean-sqs-client.js';

/**
 * Contract tests: each hot call through the SDK and through the lean client,
 * on both emulators, must give the same output (or the same error). They
 * are what keeps the lean path from drifting from the SDK's.
 */

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function untilListening(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`nothing listens at ${url}`);
}

let moto: ChildProcess | undefined;
let motoEndpoint = '';

beforeAll(async () => {
  const port = await freePort();
  moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  motoEndpoint = `http://127.0.0.1:${port}`;
  await untilListening(motoEndpoint);
});

afterAll(() => {
  moto?.kill();
});

function sdkClient(endpoint: string): SQSClient {
  return new SQSClient({
    region: 'us-east-1',
    endpoint,
    useQueueUrlAsEndpoint: false,
    md5: false,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

/** An SDK client with the lean path, whose fallback client is watched: a lean call must not fall back to it. */
function leanClient(endpoint: string) {
  const lean = sdkClient(endpoint);
  const fallbackClient = sdkClient(endpoint);
  const fallback = vi.spyOn(fallbackClient, 'send');
  const agents = { http: new Agent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  useLeanSqs(lean, { endpoint, agents, requestTimeoutMs: 30_000, fallback: fallbackClient });
  return { lean, fallback };
}

/** What must match between two receives of equal messages: all but ids, handles and times. */
function comparable(message: {
  Body?: string;
  MD5OfBody?: string;
  MessageAttributes?: unknown;
  MD5OfMessageAttributes?: string;
  Attributes?: object;
}) {
  return {
    Body: message.Body,
    MD5OfBody: message.MD5OfBody,
    MD5OfMessageAttributes: message.MD5OfMessageAttributes,
    MessageAttributes: message.MessageAttributes,
    AttributeNames: Object.keys(message.Attributes ?? {}).sort(),
  };
}

const emulators = [
  { name: 'fauxqs', endpoint: () => inject('endpoints').sqs },
  { name: 'moto', endpoint: () => motoEndpoint },
];

describe.each(emulators)('the lean SQS client on $name', (emulator) => {
  let sdk: SQSClient;
  let lean: SQSClient;
  let fallback: ReturnType<typeof leanClient>['fallback'];
  const queue = async (suffix = '', attributes: Record<string, string> = {}) => {
    const { QueueUrl } = await sdk.send(
      new CreateQueueCommand({ QueueName: `lean-${randomUUID().slice(0, 8)}${suffix}`, Attributes: attributes }),
    );
    return QueueUrl as string;
  };

  beforeAll(() => {
    sdk = sdkClient(emulator.endpoint());
    ({ lean, fallback } = leanClient(emulator.endpoint()));
  });

  it('receives messages with their attributes and string, number and binary message attributes as the SDK does', async () => {
    const queueUrl = await queue();
    const attributes = {
      Text: { DataType: 'String', StringValue: 'hello' },
      Count: { DataType: 'Number', StringValue: '42' },
      Blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 250]) },
    };
    for (let index = 0; index < 2; index++) {
      await sdk.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"a":1}', MessageAttributes: attributes }));
    }
    const receive = new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 1,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
      WaitTimeSeconds: 1,
    });
    const bySdk = await sdk.send(receive);
    const byLean = await lean.send(receive);
    expect(byLean.Messages).toHaveLength(1);
    expect(comparable(byLean.Messages?.[0] ?? {})).toEqual(comparable(bySdk.Messages?.[0] ?? {}));
    expect(byLean.Messages?.[0]?.MessageAttributes?.Blob?.BinaryValue).toBeInstanceOf(Uint8Array);
    expect(byLean.Messages?.[0]?.ReceiptHandle).toEqual(expect.any(String));
    expect(byLean.$metadata.httpStatusCode).toBe(200);
    expect(fallback).not.toHaveBeenCalled();
  });

  it('answers a send in the callback form (any command) through the SDK, callback and all', async () => {
    const queueUrl = await queue();
    const receive = new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 });
    const output = await new Promise((resolve, reject) => {
      lean.send(receive, {}, (error, data) => (error ? reject(error) : resolve(data)));
    });
    expect(output).toMatchObject({ $metadata: { httpStatusCode: 200 } });
  });

  it('gives the same empty receive', async () => {
    const queueUrl = await queue();
    const receive = new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 });
    const { $metadata: _sdk, ...bySdk } = await sdk.send(receive);
    const { $metadata: _lean, ...byLean } = await lean.send(receive);
    expect(byLean).toEqual(bySdk);
    expect(fallback).not.toHaveBeenCalled();
  });

  it('with no endpoint sends each call to its queue URL, as on AWS', async () => {
    const fallbackClient = sdkClient(emulator.endpoint());
    const fallbackSends = vi.spyOn(fallbackClient, 'send');
    const byQueueUrl = sdkClient(emulator.endpoint());
    const agents = { http: new Agent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
    useLeanSqs(byQueueUrl, { agents, requestTimeoutMs: 30_000, fallback: fallbackClient });
    const queueUrl = await queue();
    for (let round = 0; round < 2; round++) {
      const { Successful = [] } = await byQueueUrl.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: 'one', MessageBody: `round ${round}` }] }),
      );
      expect(Successful.map((entry) => entry.Id)).toEqual(['one']);
    }
    expect(fallbackSends).not.toHaveBeenCalled();
  });

  it('sends a batch with message attributes and delays as the SDK does', async () => {
    const entries: SendMessageBatchRequestEntry[] = [
      { Id: 'plain', MessageBody: 'one' },
      { Id: 'attributed', MessageBody: 'two', MessageAttributes: { Kind: { DataType: 'String', StringValue: 'reply' } } },
      { Id: 'delayed', MessageBody: 'three', DelaySeconds: 1 },
      {
        Id: 'binary',
        MessageBody: 'four',
        MessageAttributes: { Blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 250]) } },
      },
    ];
    const bySdk = await sdk.send(new SendMessageBatchCommand({ QueueUrl: await queue(), Entries: entries }));
    const byLean = await lean.send(new SendMessageBatchCommand({ QueueUrl: await queue(), Entries: entries }));
    const shape = (output: typeof bySdk) =>
      (output.Successful ?? []).map(({ Id, MD5OfMessageBody, MD5OfMessageAttributes }) => ({
        Id,
        MD5OfMessageBody,
        MD5OfMessageAttributes,
      }));
    expect(shape(byLean)).toEqual(shape(bySdk));
    expect(byLean.Failed ?? []).toEqual(bySdk.Failed ?? []);
    expect(fallback).not.toHaveBeenCalled();
  });

  it('sends a FIFO batch with group and deduplication ids as the SDK does', async () => {
    const entries = [1, 2].map((index) => ({
      Id: `m${index}`,
      MessageBody: `fifo ${index}`,
      MessageGroupId: 'group',
      MessageDeduplicationId: `dedup-${index}`,
    }));
    const fifo = { FifoQueue: 'true' };
    const bySdk = await sdk.send(new SendMessageBatchCommand({ QueueUrl: await queue('.fifo', fifo), Entries: entries }));
    const byLean = await lean.send(new SendMessageBatchCommand({ QueueUrl: await queue('.fifo', fifo), Entries: entries }));
    const shape = (output: typeof bySdk) =>
      (output.Successful ?? []).map(({ Id, MD5OfMessageBody, SequenceNumber }) => ({
        Id,
        MD5OfMessageBody,
        sequenced: SequenceNumber !== undefined,
      }));
    expect(shape(byLean)).toEqual(shape(bySdk));
    expect(fallback).not.toHaveBeenCalled();
  });

  it('reports a batch entry with an invalid body character in Failed as the SDK does', async () => {
    const entries = [
      { Id: 'good', MessageBody: 'fine' },
      { Id: 'bad', MessageBody: 'bad \u0001 character' },
    ];
    const bySdk = await sdk.send(new SendMessageBatchCommand({ QueueUrl: await queue(), Entries: entries }));
    const byLean = await lean.send(new SendMessageBatchCommand({ QueueUrl: await queue(), Entries: entries }));
    expect(byLean.Failed).toEqual(bySdk.Failed);
    expect(byLean.Successful?.map((entry) => entry.Id)).toEqual(bySdk.Successful?.map((entry) => entry.Id));
  });

  it('reports a delete with a bad receipt handle in Failed as the SDK does', async () => {
    const queueUrl = await queue();
    const entries = [{ Id: 'bad', ReceiptHandle: 'not-a-receipt-handle' }];
    // The entry in Failed, or (an emulator that refuses the whole call) the same error.
    const outcome = (client: SQSClient) =>
      client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })).then(
        (output) => ({ Failed: output.Failed }),
        (error: Error) => ({ error: error.name }),
      );
    expect(await outcome(lean)).toEqual(await outcome(sdk));
  });

  it('deletes received messages as the SDK does', async () => {
    const queueUrl = await queue();
    await sdk.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }));
    const { Messages = [] } = await lean.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    const output = await lean.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({ Id: `${index}`, ReceiptHandle: message.ReceiptHandle })),
      }),
    );
    expect(output.Successful?.map((entry) => entry.Id)).toEqual(['0']);
    expect(output.Failed ?? []).toEqual([]);
  });

  it('throws the SDK’s error for a missing queue', async () => {
    const queueUrl = `${(await queue()).replace(/[^/]+$/, '')}missing-${randomUUID().slice(0, 8)}`;
    const receive = new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 });
    const bySdk = (await sdk.send(receive).catch((error: unknown) => error)) as Record<string, unknown>;
    fallback.mockClear();
    const byLean = (await lean.send(receive).catch((error: unknown) => error)) as Record<string, unknown>;
    expect(bySdk).toBeInstanceOf(Error);
    // The refused lean call was sent once more through the SDK, whose error it throws.
    expect(fallback).toHaveBeenCalledTimes(1);
    const shape = (error: Record<string, unknown>) => ({
      name: error.name,
      $fault: error.$fault,
      status: (error.$metadata as { httpStatusCode?: number }).httpStatusCode,
      Code: error.Code,
    });
    expect(shape(byLean)).toEqual(shape(bySdk));
  });

  it('ends an aborted long poll promptly with the SDK’s AbortError', async () => {
    const queueUrl = await queue();
    const aborted = async (client: SQSClient) => {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 200);
      const error = await client
        .send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 20 }), { abortSignal: controller.signal })
        .catch((caught: unknown) => caught as Error);
      return { name: (error as Error).name, message: (error as Error).message, ms: Date.now() - started };
    };
    fallback.mockClear();
    const [bySdk, byLean] = await Promise.all([aborted(sdk), aborted(lean)]);
    // An aborted call is not re-sent through the SDK.
    expect(fallback).not.toHaveBeenCalled();
    expect(byLean.ms).toBeLessThan(5_000);
    expect({ name: byLean.name, message: byLean.message }).toEqual({ name: bySdk.name, message: bySdk.message });
  });
});

describe('staged SQS faults and counters (the chaos harness, the tests) on the lean path', () => {
  const endpoint = () => inject('endpoints').sqs;
  let plain: SQSClient;
  beforeAll(() => {
    plain = sdkClient(endpoint());
  });
  afterAll(() => plain.destroy());
  const fresh = async () => {
    const { lean, fallback } = leanClient(endpoint());
    const { QueueUrl } = await plain.send(new CreateQueueCommand({ QueueName: `lean-staged-${randomUUID().slice(0, 8)}` }));
    return { lean, fallback, queueUrl: QueueUrl as string };
  };
  const entries = [{ Id: 'one', MessageBody: 'staged' }];
  const queued = async (queueUrl: string) =>
    (await plain.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }))).Messages ?? [];

  // The harness's random draw picks the kind: below 0.5 the fault comes before the call, above it after.
  it.each([
    { when: 'before', draw: 0, error: 'RequestThrottled', left: [], outcome: 'nothing is sent' },
    { when: 'after', draw: 0.9, error: 'TimeoutError', left: ['staged'], outcome: 'the message is on the queue' },
  ])('a fault staged $when the call fails the lean send: $outcome', async ({ when, draw, error, left }) => {
    const { lean, fallback, queueUrl } = await fresh();
    const faults: string[] = [];
    injectSqsFaults(
      lean,
      1,
      () => draw,
      (kind, command) => faults.push(`${kind} ${command}`),
    );
    await expect(lean.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }))).rejects.toMatchObject({ name: error });
    expect(faults).toEqual([`sqs-${when} SendMessageBatchCommand`]);
    expect((await queued(queueUrl)).map((message) => message.Body)).toEqual(left);
    expect(fallback).not.toHaveBeenCalled();
  });

  it('a fault staged after the client has made calls applies from its next call', async () => {
    const { lean, queueUrl } = await fresh();
    await lean.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    injectSqsFaults(
      lean,
      1,
      () => 0,
      () => undefined,
    );
    await expect(lean.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }))).rejects.toMatchObject({
      name: 'RequestThrottled',
    });
    expect(await queued(queueUrl)).toHaveLength(1);
  });

  it('the delivery counter counts what lean receives hand out', async () => {
    const { lean, fallback, queueUrl } = await fresh();
    let delivered = 0;
    countDeliveries(lean, (count) => {
      delivered += count;
    });
    await plain.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [...entries, { Id: 'two', MessageBody: 'staged' }] }));
    const { Messages = [] } = await lean.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(delivered).toBe(Messages.length);
    expect(delivered).toBeGreaterThan(0);
    expect(fallback).not.toHaveBeenCalled();
  });
});
