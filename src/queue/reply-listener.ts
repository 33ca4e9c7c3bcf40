import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  ReceiveMessageCommand,
  TagQueueCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ReplyTimeoutError, ReplyWaitCancelledError, StoreUnavailableError } from '../errors.js';
import { CORRELATION_ID_ATTRIBUTE } from '../messages/attributes.js';
import { ReplySchema, type Reply } from '../messages/reply.js';
import { replyQueueArn, replyQueuePolicy, type CallerIdentity } from './reply-queue-policy.js';
import { replyQueuePrefix } from './reply-routing.js';
import { checkSender } from './sender-allowlist.js';
import { classifySqsError, isMissingQueueError } from './sqs-errors.js';

/**
 * One reply consumer per waiting process (SPEC "Request and reply").
 *
 * At start it creates a reply queue of its own, named after the configured
 * reply queue (`wallet-replies-gw-<12 hex>`, `.fifo` when the configured one
 * is FIFO), so the worker accepts it as a ReplyTo. While anyone waits, a few
 * long polls read that queue and hand each reply to the waiter with its
 * CorrelationId; every message read is deleted, whether a waiter still wants
 * it or not, so nothing piles up. At stop the queue is deleted.
 *
 * A process that dies cannot delete its queue. Its owner keeps a timestamp
 * tag on the queue fresh; every listener sweeps, at start and then
 * periodically, the queues under the prefix whose tag is older than
 * config.replyQueueIdleSeconds. Tags and ListQueues work alike on fauxqs,
 * LocalStack and SQS, so the sweep needs nothing outside the queues.
 * A reply is trusted, so the queue gets an access policy and a creator tag
 * (reply-queue-policy.ts), the configured KMS key, and a reply whose SenderId
 * is not the worker's (when its ids are configured) is dropped.
 */
export interface ReplyListener {
  /** URL of this process's reply queue: the ReplyTo of every command it waits for. */
  readonly queueUrl: string;
  /** True once the queue was found deleted under us (swept while this process was frozen); make a new listener. */
  readonly lost: boolean;
  /**
   * Registers a waiter for the reply carrying `correlationId`. Register before
   * sending the command, so a fast reply cannot arrive unclaimed.
   */
  expect(correlationId: string, options: WaitOptions): PendingReply;
  /** Ends the polls, cancels every waiter, deletes the queue. */
  stop(): Promise<void>;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Aborting it ends the wait with ReplyWaitCancelledError (e.g. the HTTP client went away). */
  signal?: AbortSignal;
}

export interface PendingReply {
  /** Resolves with the reply; rejects with ReplyTimeoutError or ReplyWaitCancelledError. */
  reply: Promise<Reply>;
  /** Stops waiting (the command could not be sent); `reply` then rejects, and that rejection needs no handler. */
  cancel(): void;
}

export interface ReplyListenerDeps {
  /** A client of its own (clients.ts createReplySqsClient), not the send path's. */
  sqs: SQSClient;
  config: Pick<Config, 'queues' | 'replyQueueIdleSeconds'> & Partial<Pick<Config, 'replyQueueSecurity'>>;
  logger: Logger;
  /** Who creates the queue (resolveCallerIdentity); without it the queue gets no access policy. */
  identity?: CallerIdentity;
}

/** Concurrent long polls while waiters exist: each returns up to 10 replies; deletes never hold them up. */
const POLLS = 4;
const LONG_POLL_SECONDS = 20;
/** Replies nobody read within this time are dropped by SQS itself (60 s is SQS's minimum). */
const RETENTION_SECONDS = 300;
export const OWNER_TAG = 'wallet:reply-listener';
export const HEARTBEAT_TAG = 'wallet:heartbeat';
/** The creator's `aws:userid`: deploy/reply-waiter-policy.ts scopes each principal to the queues bearing its own. */
export const CREATOR_TAG = 'wallet:creator';

export function listenerQueueName(replyQueueName: string, random = randomBytes(6).toString('hex')): string {
  return `${replyQueuePrefix(replyQueueName)}-gw-${random}${replyQueueName.endsWith('.fifo') ? '.fifo' : ''}`;
}

export async function startReplyListener({ sqs, config, logger: parentLogger, identity }: ReplyListenerDeps): Promise<ReplyListener> {
  const name = listenerQueueName(config.queues.reply);
  const fifo = name.endsWith('.fifo');
  const { workerSenderIds, kmsKey } = config.replyQueueSecurity ?? {};
  const policy =
    identity &&
    replyQueuePolicy({
      queueArn: replyQueueArn(identity, name),
      creatorUserId: identity.userId,
      ...(workerSenderIds && { workerSenderIds }),
    });
  const { QueueUrl: queueUrl } = await sqs
    .send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          MessageRetentionPeriod: String(RETENTION_SECONDS),
          ...(fifo && { FifoQueue: 'true' }),
          ...(policy && { Policy: policy }),
          ...(kmsKey && { KmsMasterKeyId: kmsKey }),
        },
        tags: { [OWNER_TAG]: 'true', [HEARTBEAT_TAG]: String(Date.now()), ...(identity && { [CREATOR_TAG]: identity.userId }) },
      }),
    )
    .catch((error: unknown) => {
      throw classifySqsError(error, 'CreateQueue');
    });
  if (!queueUrl) throw new Error(`CreateQueue returned no URL for ${name}`);
  const logger = parentLogger.child({ component: 'reply-listener', queueUrl });
  const idleMs = config.replyQueueIdleSeconds * 1000;

  const waiters = new Map<string, (outcome: { reply: Reply } | { error: Error }) => void>();
  const stopping = new AbortController();
  let lost = false;
  let wakePolls: (() => void) | undefined;
  let someoneWaits = new Promise<void>((resolve) => (wakePolls = resolve));

  function markLost(err: unknown) {
    if (lost || stopping.signal.aborted) return;
    lost = true;
    logger.error({ err }, 'own reply queue is gone (swept while this process was not refreshing it); waiters are cancelled');
    for (const settle of waiters.values())
      settle({ error: new StoreUnavailableError('the reply queue of this process was deleted', { cause: err }) });
  }

  async function poll(): Promise<void> {
    while (!stopping.signal.aborted && !lost) {
      if (waiters.size === 0) {
        // stop() resolves it too, so an idle poll ends at once.
        await someoneWaits;
        continue;
      }
      try {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: LONG_POLL_SECONDS,
            MessageAttributeNames: [CORRELATION_ID_ATTRIBUTE],
            MessageSystemAttributeNames: ['SenderId'],
          }),
          { abortSignal: stopping.signal },
        );
        if (Messages.length > 0) {
          for (const message of Messages) deliver(message);
          void deleteAll(Messages);
        }
      } catch (err) {
        if (stopping.signal.aborted) return;
        if (isMissingQueueError(err)) return markLost(err);
        logger.warn({ err }, 'reply poll failed; retrying');
        await sleep(1_000, undefined, { signal: stopping.signal }).catch(() => undefined);
      }
    }
  }

  function deliver(message: Message) {
    const correlationId = message.MessageAttributes?.[CORRELATION_ID_ATTRIBUTE]?.StringValue;
    // Someone who may send to this queue but is not the worker: its "reply" is a forgery, whatever it says.
    const sender = checkSender(workerSenderIds, message.Attributes?.SenderId);
    if (!sender.allowed)
      return logger.warn({ correlationId, senderId: sender.senderId }, 'reply from a sender that is not the worker dropped');
    const settle = correlationId === undefined ? undefined : waiters.get(correlationId);
    if (!settle) {
      // Its waiter timed out or was cancelled (or it was never ours): dropped, never left to slow others.
      logger.debug({ correlationId }, 'reply without a waiter dropped');
      return;
    }
    const reply = parseReply(message.Body);
    if (reply) settle({ reply });
    else logger.warn({ correlationId }, 'unreadable reply dropped');
  }

  async function deleteAll(messages: Message[]) {
    try {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    } catch (err) {
      // Not deleted: they come back after the visibility timeout and are dropped then (their waiters are settled).
      logger.warn({ err }, 'could not delete read replies');
    }
  }

  async function heartbeat() {
    try {
      await sqs.send(new TagQueueCommand({ QueueUrl: queueUrl, Tags: { [HEARTBEAT_TAG]: String(Date.now()) } }));
    } catch (err) {
      if (isMissingQueueError(err)) markLost(err);
      else logger.warn({ err }, 'could not refresh the reply queue heartbeat');
    }
    await sweepAbandonedReplyQueues({ sqs, config, logger }, [queueUrl as string]).catch((err: unknown) =>
      logger.warn({ err }, 'sweep of abandoned reply queues failed'),
    );
  }

  // Refreshed several times per idle period, so a live owner's queue is never taken for abandoned.
  // Awaited by stop(), so no heartbeat or sweep outlives the listener (and its client).
  let housekeeping: Promise<void> = sweepAbandonedReplyQueues({ sqs, config, logger }, [queueUrl]).then(
    () => undefined,
    (err: unknown) => logger.warn({ err }, 'sweep of abandoned reply queues failed'),
  );
  const timer = setInterval(
    () => {
      housekeeping = housekeeping.then(heartbeat);
    },
    Math.max(1_000, Math.floor(idleMs / 4)),
  );
  timer.unref();
  const polls = Array.from({ length: POLLS }, () => poll());
  logger.info('reply listener started');

  return {
    queueUrl,
    get lost() {
      return lost;
    },
    expect(correlationId, { timeoutMs, signal }) {
      let cancel = () => {};
      const reply = new Promise<Reply>((resolve, reject) => {
        if (stopping.signal.aborted || lost) return reject(new ReplyWaitCancelledError('the reply listener is stopped'));
        if (signal?.aborted) return reject(new ReplyWaitCancelledError('the wait was cancelled'));
        if (waiters.has(correlationId)) return reject(new Error(`a waiter for CorrelationId ${correlationId} already exists`));
        const onAbort = () => settle({ error: new ReplyWaitCancelledError('the wait was cancelled') });
        const timeout = setTimeout(() => settle({ error: new ReplyTimeoutError(`no reply within ${timeoutMs} ms`) }), timeoutMs);
        const settle = (outcome: { reply: Reply } | { error: Error }) => {
          if (waiters.get(correlationId) !== settle) return;
          waiters.delete(correlationId);
          clearTimeout(timeout);
          signal?.removeEventListener('abort', onAbort);
          if ('reply' in outcome) resolve(outcome.reply);
          else reject(outcome.error);
        };
        waiters.set(correlationId, settle);
        signal?.addEventListener('abort', onAbort, { once: true });
        cancel = () => settle({ error: new ReplyWaitCancelledError('the wait was cancelled') });
        if (waiters.size === 1) {
          wakePolls?.();
          someoneWaits = new Promise<void>((resolveNext) => (wakePolls = resolveNext));
        }
      });
      // Callers await `reply` only after publishing: a stop, a timeout or a cancel that ends the wait
      // before then must not be an unhandled rejection (it would end a process with Node's defaults).
      // The caller still gets the rejection when it awaits.
      reply.catch(() => undefined);
      return {
        reply,
        cancel,
      };
    },
    async stop() {
      if (stopping.signal.aborted) return;
      stopping.abort();
      wakePolls?.();
      clearInterval(timer);
      for (const settle of waiters.values()) settle({ error: new ReplyWaitCancelledError('the reply listener stopped') });
      await Promise.all([...polls, housekeeping]);
      try {
        await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
        logger.info('reply listener stopped; its queue is deleted');
      } catch (err) {
        if (!isMissingQueueError(err))
          logger.warn({ err }, 'could not delete the reply queue; another waiting process will sweep it once idle');
      }
    },
  };
}

/**
 * Deletes the per-process reply queues (under this deployment's prefix) whose
 * heartbeat tag is older than the idle time: their owners died without
 * deleting them. Queues without our owner tag are never touched.
 */
export async function sweepAbandonedReplyQueues(
  { sqs, config, logger }: ReplyListenerDeps,
  keep: string[] = [],
  now = Date.now(),
): Promise<string[]> {
  const prefix = listenerQueueName(config.queues.reply, '').replace(/\.fifo$/, '');
  const idleMs = config.replyQueueIdleSeconds * 1000;
  const deleted: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 1000, ...(nextToken && { NextToken: nextToken }) }),
    );
    nextToken = page.NextToken;
    for (const url of page.QueueUrls ?? []) {
      if (keep.includes(url)) continue;
      try {
        const { Tags = {} } = await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }));
        const heartbeat = Number(Tags[HEARTBEAT_TAG]);
        if (Tags[OWNER_TAG] !== 'true' || !Number.isFinite(heartbeat) || now - heartbeat < idleMs) continue;
        await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
        deleted.push(url);
        logger.info({ queueUrl: url, idleSeconds: Math.round((now - heartbeat) / 1000) }, 'deleted an abandoned reply queue');
      } catch (err) {
        // Another listener swept it first.
        if (!isMissingQueueError(err)) throw err;
      }
    }
  } while (nextToken);
  return deleted;
}

function parseReply(body: string | undefined): Reply | undefined {
  try {
    const result = ReplySchema.safeParse(JSON.parse(body ?? ''));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
