import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { performance } from 'node:perf_hooks';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { applyCommand } from '../ledger/apply-command.js';
import { UserStateCache } from '../ledger/user-cache.js';
import { replyForInvalid, replyForOutcome } from '../ledger/replies.js';
import { parseCommandBody, type Command } from '../messages/command.js';
import type { Reply } from '../messages/reply.js';
import { noopTelemetry, sinceSent, type Telemetry } from '../observability/telemetry.js';
import type { CommandTrace } from '../observability/tracing.js';
import type { QueueUrls } from '../resources/provision.js';
import { KeyedLock } from './keyed-lock.js';
import { publishReplies } from './reply-publisher.js';
import { retryDelaySeconds } from './retry-backoff.js';
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

type MessageResult = { message: Message; log: Logger; trace: CommandTrace } & ({ ok: true; reply?: Reply } | { ok: false });

/**
 * One received batch: validate, apply (one user's commands in order), publish
 * every reply with SendMessageBatch, and return the messages to delete. A
 * message whose apply or reply failed is not deleted; it is hidden for a
 * growing delay and redelivered, up to maxReceiveCount, then the DLQ.
 */
export function createBatchHandler(deps: BatchDeps, hooks: WorkerHooks = {}) {
  const userLock = new KeyedLock();
  const telemetry = deps.telemetry ?? noopTelemetry();
  const ledger = { ...deps, userCache: new UserStateCache() };

  async function handleMessage(message: Message): Promise<MessageResult> {
    const trace = telemetry.commandReceived(message);
    const parsed = parseCommandBody(message.Body);
    const log = deps.logger.child({
      messageId: message.MessageId,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? '1'),
      ...(parsed.ok ? { idempotentKey: parsed.command.idempotentKey, userId: parsed.command.userId } : { idempotentKey: parsed.idempotentKey }),
    });
    if (!parsed.ok) {
      log.warn({ issues: parsed.issues }, 'invalid command');
      telemetry.invalidCommand();
      const reply = replyForInvalid(parsed);
      return { message, log, trace, ok: true, ...(reply && { reply }) };
    }
    const { command } = parsed;
    try {
      const reply = await trace.run(() =>
        userLock.run(command.userId, async () => {
          const started = performance.now();
          const outcome = await applyCommand(ledger, command);
          telemetry.decideLatency(performance.now() - started);
          if (outcome.kind === 'decided' && !outcome.replayed) telemetry.groupCommitted(1);
          return replyForOutcome(outcome);
        }),
      );
      await hooks.afterApply?.(command, reply);
      const decision = { type: command.type, status: reply.status, reason: reply.reason, replayed: reply.replayed };
      telemetry.commandDecided(decision);
      trace.decided(decision);
      log.info({ status: reply.status, reason: reply.reason, newBalance: reply.newBalance, replayed: reply.replayed }, 'command decided');
      return { message, log, trace, ok: true, reply };
    } catch (err) {
      const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
      if (receiveCount >= deps.config.maxReceiveCount) {
        log.error({ err, maxReceiveCount: deps.config.maxReceiveCount }, 'command failed on its last delivery; SQS moves it to the dead-letter queue');
        telemetry.deadLettered(err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : 'unknown');
      } else {
        log.warn({ err }, 'command not decided; it will be redelivered');
      }
      trace.end(err);
      return { message, log, trace, ok: false };
    }
  }

  return async function handleBatch(messages: Message[]): Promise<Message[]> {
    telemetry.inFlight(messages.length);
    try {
      return await handleBatchInFlight(messages);
    } finally {
      telemetry.inFlight(-messages.length);
    }
  };

  async function handleBatchInFlight(messages: Message[]): Promise<Message[]> {
    const results = await Promise.all(messages.map(handleMessage));
    const toReply = results.filter((result): result is Extract<MessageResult, { ok: true }> & { reply: Reply } => result.ok && result.reply !== undefined);
    const replyTraces = toReply.map((result) => result.trace.startReply());
    const failures = await publishReplies(
      deps.sqs,
      deps.queueUrls.reply,
      toReply.map((result) => result.reply),
      replyTraces.map((replyTrace) => replyTrace.attributes),
    );
    replyTraces.forEach((replyTrace, index) => replyTrace.end(failures.get(index)));
    const unpublished = new Set(toReply.filter((_, index) => failures.has(index)).map((result) => result.message));
    for (const [index, err] of failures) toReply[index]?.log.warn({ err }, 'reply not published; the command will be redelivered');

    const done = results.filter((result) => result.ok && !unpublished.has(result.message)).map((result) => result.message);
    const retry = results.filter((result) => !result.ok || unpublished.has(result.message)).map((result) => result.message);
    for (const result of results) {
      if (!result.ok) continue;
      const published = !unpublished.has(result.message);
      const sent = published && result.reply ? sinceSent(result.message) : undefined;
      if (sent !== undefined) telemetry.endToEndLatency(sent);
      result.trace.end(published ? undefined : new Error('reply not published'));
      if (!published && Number(result.message.Attributes?.ApproximateReceiveCount ?? '1') >= deps.config.maxReceiveCount) telemetry.deadLettered('reply_not_published');
    }
    await delayRedelivery(deps, retry);
    return done;
  }
}

async function delayRedelivery(deps: BatchDeps, messages: Message[]): Promise<void> {
  try {
    await changeVisibility(deps.sqs, deps.queueUrls.command, messages, (message) => retryDelaySeconds(message, deps.config.worker.retryBaseSeconds));
  } catch (err) {
    // The messages still come back after the queue's visibility timeout.
    deps.logger.warn({ err }, 'could not set the retry delay');
  }
}
