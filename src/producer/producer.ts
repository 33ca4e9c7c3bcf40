import { randomUUID } from 'node:crypto';
import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { pino, type Logger } from 'pino';
import type { ReplyQueueSecurity } from '../config.js';
import { ReplyWaitCancelledError } from '../errors.js';
import type { Reply } from '../messages/reply.js';
import { publishCommand, validateCommand } from '../queue/command-publisher.js';
import { startOwnReplyListener } from '../queue/own-reply-listener.js';
import type { ReplyListener } from '../queue/reply-listener.js';

export interface ProducerOptions {
  /** Any SQS client, configured as the caller likes (region, credentials, endpoint); it stays the caller's to destroy. */
  sqs: SQSClient;
  /** The command queue: its URL, or its name, looked up once (default `wallet-commands`). A `.fifo` queue gets FIFO ids. */
  commandQueue?: string;
  /**
   * The worker's reply queue name (its WALLET_REPLY_QUEUE, default `wallet-replies`). The
   * producer's own reply queue is named after it (`<name>-gw-<12 hex>`): the worker sends
   * replies only to queues whose name starts with it.
   */
  replyQueue?: string;
  /** After this long without a heartbeat, a dead producer's reply queue is deleted by any other waiter (default 300). */
  replyQueueIdleSeconds?: number;
  /**
   * What the producer's own reply queue is made with, as the gateway's (WALLET_WORKER_SENDER_IDS,
   * WALLET_REPLY_QUEUE_KMS_KEY): only the worker's SenderIds may send to it and only their replies
   * are handed over; the KMS key encrypts it. Unset: any sender, SQS-managed encryption.
   */
  replyQueueSecurity?: ReplyQueueSecurity;
  /**
   * Asks who the producer is, for its reply queue's access policy and creator tag (it stays the
   * caller's to destroy). Default: an STS client on `sqs`'s region, credentials and endpoint,
   * destroyed once it answered. If STS cannot answer, `request` fails: the queue is never made
   * without its policy.
   */
  sts?: STSClient;
  /** Where the reply listener logs (default: nothing). */
  logger?: Logger;
}

export interface SendOptions {
  /**
   * Queue URL for the reply (its name must start with the worker's reply queue name). With
   * only `correlationId` given: the worker's reply queue. With neither: no attributes at all.
   */
  replyTo?: string;
  /** Copied onto the reply as the `CorrelationId` attribute; a random one when only `replyTo` is given. */
  correlationId?: string;
}

export interface RequestOptions {
  /** Default 30 000. ReplyTimeoutError after it (the command may still be applied later). */
  timeoutMs?: number;
  /** Aborting it ends the wait with ReplyWaitCancelledError. */
  signal?: AbortSignal;
}

export interface SentCommand {
  idempotentKey: string;
  messageId: string;
  correlationId?: string;
}

export interface Producer {
  /** Validates the command with the worker's own schema (InvalidRequestError) and enqueues it. */
  send(command: unknown, options?: SendOptions): Promise<SentCommand>;
  /** Sends with a fresh CorrelationId and this producer's reply queue as ReplyTo, and resolves with that reply. */
  request(command: unknown, options?: RequestOptions): Promise<Reply>;
  /** Cancels waits in progress and deletes this producer's reply queue (made on the first request). */
  close(): Promise<void>;
}

/**
 * The wire format and nothing else (SPEC "Command message", "Request and
 * reply", rule 11): what a service needs to put commands on the queue and
 * get their replies, with only an SQS client — no DynamoDB, no worker.
 */
export function createProducer(options: ProducerOptions): Producer {
  const { sqs } = options;
  const logger = options.logger ?? pino({ level: 'silent' });
  const config = {
    queues: { command: options.commandQueue ?? 'wallet-commands', reply: options.replyQueue ?? 'wallet-replies', deadLetter: '' },
    replyQueueIdleSeconds: options.replyQueueIdleSeconds ?? 300,
    replyQueueSecurity: options.replyQueueSecurity ?? {},
  };
  let listener: Promise<ReplyListener> | undefined;
  let closed = false;

  const urls = new Map<string, Promise<string>>();
  /** A queue's URL: given as one, or looked up once by name (a failed look-up is tried again next time). */
  function queueUrl(queue: string): Promise<string> {
    if (/^https?:\/\//.test(queue)) return Promise.resolve(queue);
    let url = urls.get(queue);
    if (!url) {
      url = sqs.send(new GetQueueUrlCommand({ QueueName: queue })).then(({ QueueUrl }) => {
        if (!QueueUrl) throw new Error(`GetQueueUrl returned no URL for ${queue}`);
        return QueueUrl;
      });
      urls.set(queue, url);
      url.catch(() => urls.delete(queue));
    }
    return url;
  }

  /** The same start as the gateway's (own-reply-listener.ts): the one policy, key, tag and SenderId check. */
  async function startListener(): Promise<ReplyListener> {
    const sts = options.sts ?? stsBeside(sqs);
    try {
      // 'aws': no identity is an error, never a queue without its policy.
      return await startOwnReplyListener({ sqs, sts, config: { ...config, stack: 'aws', region: await sqs.config.region() }, logger });
    } finally {
      if (!options.sts) sts.destroy();
    }
  }

  async function replyListener(): Promise<ReplyListener> {
    for (;;) {
      if (closed) throw new ReplyWaitCancelledError('the producer is closed');
      // Assigned synchronously, so concurrent first requests share one listener.
      listener ??= startListener();
      const current = listener;
      current.catch(() => {
        if (listener === current) listener = undefined;
      });
      const started = await current;
      if (!started.lost) return started;
      // Swept while this process was frozen: a new queue, and the old listener ended.
      if (listener === current) listener = undefined;
      void started.stop();
    }
  }

  async function send(command: unknown, sendOptions: SendOptions = {}): Promise<SentCommand> {
    validateCommand(command);
    const routed = sendOptions.replyTo !== undefined || sendOptions.correlationId !== undefined;
    const route = routed
      ? { replyTo: sendOptions.replyTo ?? (await queueUrl(config.queues.reply)), correlationId: sendOptions.correlationId ?? randomUUID() }
      : undefined;
    const { command: sent, messageId } = await publishCommand(sqs, await queueUrl(config.queues.command), command, route);
    return { idempotentKey: sent.idempotentKey, messageId, ...(route && { correlationId: route.correlationId }) };
  }

  return {
    send,
    async request(command, { timeoutMs = 30_000, signal } = {}) {
      validateCommand(command);
      const [replies, commandQueueUrl] = await Promise.all([replyListener(), queueUrl(config.queues.command)]);
      if (signal?.aborted) throw new ReplyWaitCancelledError('the wait was cancelled before the command was sent');
      // Random per request: the reply is matched on it, never on the key (two requests may share a key).
      const correlationId = randomUUID();
      const pending = replies.expect(correlationId, { timeoutMs, ...(signal && { signal }) });
      try {
        await publishCommand(sqs, commandQueueUrl, command, { replyTo: replies.queueUrl, correlationId });
        return await pending.reply;
      } finally {
        pending.cancel();
      }
    },
    async close() {
      closed = true;
      const started = await listener?.catch(() => undefined);
      await started?.stop();
    },
  };
}

/** An STS client where `sqs` is: its region, its credentials, its endpoint when it was given one (an emulator answers STS there too). */
function stsBeside(sqs: SQSClient): STSClient {
  const { region, credentials, endpoint, isCustomEndpoint } = sqs.config;
  return new STSClient({ region, credentials, ...(isCustomEndpoint && endpoint && { endpoint }) });
}
