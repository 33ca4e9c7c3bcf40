import { performance } from 'node:perf_hooks';
import { DeleteMessageBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { LedgerEngine } from '../ledger/engine.js';
import { replyForInvalid, replyForOutcome } from '../ledger/replies.js';
import { parseCommandBody, type Command } from '../messages/command.js';
import type { Reply } from '../messages/reply.js';
import { noopTelemetry, sinceSent, type Telemetry } from '../observability/telemetry.js';
import type { CommandTrace } from '../observability/tracing.js';
import type { QueueUrls } from '../resources/definitions.js';
import { sendToDeadLetter } from './dead-letters.js';
import type { InFlightMessages } from './in-flight.js';
import { publishReplies } from './reply-publisher.js';
import { routeReply } from './reply-routing.js';
import { retryDelaySeconds } from './retry-backoff.js';
import { partitionBySender } from './sender-allowlist.js';
import { changeVisibility } from './visibility.js';

export interface BatchDeps {
  sqs: SQSClient;
  ddb: DynamoDBDocumentClient;
  logger: Logger;
  config: Config;
  queueUrls: QueueUrls;
  /** Metrics and traces; records no metrics when absent. */
  telemetry?: Telemetry;
}

/** Test seams that stand in for a crash at a precise point of the pipeline. */
export interface WorkerHooks {
  /** Runs after the DynamoDB commit and before the reply and delete; throwing simulates a crash there. */
  afterApply?(command: Command, reply: Reply): void | Promise<void>;
}

/**
 * A message's logger, built on first use: a pino child costs its bindings'
 * serialisation (and the user id's redaction hash) per message, which the
 * normal path, logging nothing at `warn`, would throw away.
 */
type MessageLog = () => Logger;

function lazyLog(create: () => Logger): MessageLog {
  let log: Logger | undefined;
  return () => (log ??= create());
}

/** What to do with one received message once its command is decided (or not). */
type Handled = { message: Message; log: MessageLog } & (
  | { next: 'reply'; reply: Reply }
  | { next: 'delete' }
  | { next: 'retry' }
  | { next: 'release' }
  | { next: 'dead-letter'; reason: { code: string; detail: string } }
);

/**
 * One received batch, from queue to reply: validate each body, hand the
 * valid commands to the ledger engine (which decides them together with the
 * other pollers' commands), publish every reply, and return the messages to
 * delete. A message whose command was not decided, or whose reply could not
 * be sent, stays on the queue and comes back after a growing delay; one that
 * can never be decided goes to the DLQ at once, with its reason.
 */
export function createBatchHandler(deps: BatchDeps, engine: LedgerEngine, inFlight: InFlightMessages, hooks: WorkerHooks = {}) {
  const telemetry = deps.telemetry ?? noopTelemetry();
  /** `onDecided` runs once every command of the batch is decided (or will not be), before the replies go out. */
  return async function handleBatch(messages: Message[], onDecided: () => void = () => undefined): Promise<void> {
    inFlight.add(messages);
    telemetry.inFlight(messages.length);
    const traces = new Map(messages.map((message) => [message, telemetry.commandReceived(message)]));
    let handled: Handled[] = [];
    try {
      try {
        handled = await decideMessages(deps, telemetry, engine, messages, traces, hooks);
      } finally {
        onDecided();
      }
      handled = await publish(deps, handled, traces);
      handled = await deadLetter(deps, telemetry, handled);
    } finally {
      inFlight.delete(messages);
      telemetry.inFlight(-messages.length);
      recordEnds(deps, telemetry, handled, traces);
    }
    await Promise.all([returnToQueue(deps, handled), deleteDone(deps, handled)]);
  };
}

/** Deletes the messages that are done (replied to, or nothing to reply), ten per DeleteMessageBatch. */
async function deleteDone(deps: BatchDeps, handled: Handled[]): Promise<void> {
  const done = handled.filter((item) => item.next === 'reply' || item.next === 'delete').map((item) => item.message);
  for (let start = 0; start < done.length; start += 10) {
    const chunk = done.slice(start, start + 10);
    try {
      const { Failed = [] } = await deps.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: deps.queueUrls.command,
          Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
      if (Failed.length > 0)
        deps.logger.warn(
          { failed: Failed.length, code: Failed[0]?.Code },
          'messages not deleted; their redelivery replays the stored outcome',
        );
    } catch (err) {
      // Redelivered after the visibility timeout: the engine replays each stored outcome, nothing is applied twice.
      deps.logger.warn({ err, messages: chunk.length }, 'messages not deleted; their redelivery replays the stored outcome');
    }
  }
}

/**
 * Ends each message's span; a published reply gives the end-to-end latency
 * from the message's SentTimestamp; a retry on the last delivery is a
 * message SQS now moves to the DLQ.
 */
function recordEnds(deps: BatchDeps, telemetry: Telemetry, handled: Handled[], traces: Map<Message, CommandTrace>): void {
  const outcome = new Map(handled.map((item) => [item.message, item.next]));
  for (const [message, trace] of traces) {
    const next = outcome.get(message);
    if (next === 'reply') {
      const sent = sinceSent(message);
      if (sent !== undefined) telemetry.endToEndLatency(sent);
    }
    if (next === 'retry' && receiveCount(message) >= deps.config.maxReceiveCount) telemetry.deadLettered('last_delivery_failed');
    trace.end(next === 'reply' || next === 'delete' ? undefined : new Error(`message ${next ?? 'not handled'}`));
  }
}

async function decideMessages(
  deps: BatchDeps,
  telemetry: Telemetry,
  engine: LedgerEngine,
  received: Message[],
  traces: Map<Message, CommandTrace>,
  hooks: WorkerHooks,
): Promise<Handled[]> {
  // Before anything is read from a body: an unlisted sender's message is deleted with no effect and no reply.
  const { accepted: messages, refused } = partitionBySender(deps.config.allowedSenderIds, received, deps.logger);
  const parsed = messages.map((message) => {
    const result = parseCommandBody(message.Body);
    const log = lazyLog(() =>
      deps.logger.child({
        messageId: message.MessageId,
        receiveCount: receiveCount(message),
        ...(result.ok
          ? { idempotentKey: result.command.idempotentKey, userId: result.command.userId }
          : { idempotentKey: result.idempotentKey }),
      }),
    );
    return { message, log, result };
  });
  const valid = parsed.filter(({ result }) => result.ok);
  const commands = valid.flatMap(({ result }) => (result.ok ? [result.command] : []));
  const started = performance.now();
  // Each command's trace goes with it, so the DynamoDB calls that decide it are spans of its trace.
  const results = await engine.submit(
    commands,
    valid.map(({ message }) => traces.get(message)),
  );
  // Group commit decides a batch together: each of its commands waited this long for its decision.
  const decideMs = performance.now() - started;
  let next = 0;
  const infoEnabled = deps.logger.isLevelEnabled('info');
  const decided = await Promise.all(
    parsed.map(async ({ message, log, result: parsedBody }): Promise<Handled> => {
      if (!parsedBody.ok) {
        log().warn({ issues: parsedBody.issues }, 'invalid command');
        telemetry.invalidCommand();
        const reply = replyForInvalid(parsedBody, sentAt(message));
        return reply ? { message, log, next: 'reply', reply } : { message, log, next: 'delete' };
      }
      const result = results[next++];
      if (!result || result.kind === 'released') return { message, log, next: 'release' };
      if (result.kind === 'poison') {
        log().error({ err: result.error }, 'command can never be decided as the data stands: moving it to the dead-letter queue');
        return { message, log, next: 'dead-letter', reason: { code: result.error.code, detail: result.error.message } };
      }
      if (result.kind === 'failed') {
        logRetry(deps, message, log, result.error);
        return { message, log, next: 'retry' };
      }
      const reply = replyForOutcome(result.outcome, deps.config.defaultCurrency);
      const decision = { type: parsedBody.command.type, status: reply.status, reason: reply.reason, replayed: reply.replayed };
      telemetry.decideLatency(decideMs);
      telemetry.commandDecided(decision);
      traces.get(message)?.decided(decision);
      try {
        await hooks.afterApply?.(parsedBody.command, reply);
      } catch (err) {
        logRetry(deps, message, log, err);
        return { message, log, next: 'retry' };
      }
      if (infoEnabled)
        log().info(
          { status: reply.status, reason: reply.reason, newBalance: reply.newBalance, replayed: reply.replayed },
          'command decided',
        );
      return { message, log, next: 'reply', reply };
    }),
  );
  return [...refused.map((message): Handled => ({ message, log: () => deps.logger, next: 'delete' })), ...decided];
}

/** Publishes the replies; a command whose reply SQS refused is retried (its redelivery replays the stored outcome). */
async function publish(deps: BatchDeps, handled: Handled[], traces: Map<Message, CommandTrace>): Promise<Handled[]> {
  const replying = handled.filter((item): item is Extract<Handled, { next: 'reply' }> => item.next === 'reply');
  const replyTraces = replying.map((item) => traces.get(item.message)?.startReply());
  const failures = await publishReplies(
    deps.sqs,
    replying.map((item, index) => {
      const { replyToRefused, ...route } = routeReply(item.message, deps.queueUrls.reply);
      if (replyToRefused) item.log().warn('ReplyTo is not a reply queue; the reply goes to the default reply queue');
      return { reply: item.reply, ...route, ...(replyTraces[index] && { extraAttributes: replyTraces[index].attributes }) };
    }),
    { fallbackQueueUrl: deps.queueUrls.reply, logger: deps.logger },
  );
  for (const [index, replyTrace] of replyTraces.entries()) replyTrace?.end(failures.get(index));
  if (failures.size === 0) return handled;
  const unpublished = new Set(replying.filter((_, index) => failures.has(index)));
  for (const [index, err] of failures) replying[index]?.log().warn({ err }, 'reply not published; the command will be redelivered');
  return handled.map((item) =>
    unpublished.has(item as Extract<Handled, { next: 'reply' }>) ? { message: item.message, log: item.log, next: 'retry' } : item,
  );
}

async function deadLetter(deps: BatchDeps, telemetry: Telemetry, handled: Handled[]): Promise<Handled[]> {
  return Promise.all(
    handled.map(async (item): Promise<Handled> => {
      if (item.next !== 'dead-letter') return item;
      try {
        await sendToDeadLetter(deps.sqs, deps.queueUrls, item.message, item.reason);
        telemetry.deadLettered(item.reason.code);
        return { message: item.message, log: item.log, next: 'delete' };
      } catch (err) {
        item.log().warn({ err }, 'could not move the message to the dead-letter queue; it will be redelivered');
        return { message: item.message, log: item.log, next: 'retry' };
      }
    }),
  );
}

/** Retries come back after a growing delay; released messages (the worker is stopping) at once. */
async function returnToQueue(deps: BatchDeps, handled: Handled[]): Promise<void> {
  const retry = handled.filter((item) => item.next === 'retry').map((item) => item.message);
  const release = handled.filter((item) => item.next === 'release').map((item) => item.message);
  try {
    await changeVisibility(deps.sqs, deps.queueUrls.command, retry, (message) =>
      retryDelaySeconds(message, deps.config.worker.retryBaseSeconds),
    );
    await changeVisibility(deps.sqs, deps.queueUrls.command, release, 0);
  } catch (err) {
    // The messages still come back after the queue's visibility timeout.
    deps.logger.warn({ err }, 'could not set the retry delay');
  }
}

function logRetry(deps: BatchDeps, message: Message, log: MessageLog, err: unknown): void {
  if (receiveCount(message) >= deps.config.maxReceiveCount) {
    log().error(
      { err, maxReceiveCount: deps.config.maxReceiveCount },
      'command failed on its last delivery; SQS moves it to the dead-letter queue',
    );
  } else {
    log().warn({ err }, 'command not decided; it will be redelivered');
  }
}

function receiveCount(message: Message): number {
  return Number(message.Attributes?.ApproximateReceiveCount ?? '1');
}

/** When the producer sent the message (SQS's SentTimestamp); the same on every delivery. */
function sentAt(message: Message): Date {
  const sent = Number(message.Attributes?.SentTimestamp);
  return new Date(Number.isFinite(sent) && sent > 0 ? sent : Date.now());
}
