import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { applyCommand } from '../ledger/apply-command.js';
import { UserStateCache } from '../ledger/user-cache.js';
import { replyForInvalid, replyForOutcome } from '../ledger/replies.js';
import { parseCommandBody, type Command } from '../messages/command.js';
import type { Reply } from '../messages/reply.js';
import type { QueueUrls } from '../resources/provision.js';
import { KeyedLock } from './keyed-lock.js';
import { publishReplies } from './reply-publisher.js';
import { retryDelaySeconds } from './retry-backoff.js';
import { checkSender } from './sender-allowlist.js';
import { changeVisibility } from './visibility.js';

export interface BatchDeps {
  sqs: SQSClient;
  ddb: DynamoDBDocumentClient;
  logger: Logger;
  config: Config;
  queueUrls: QueueUrls;
}

/** Test seams that stand in for a crash at a precise point of the pipeline. */
export interface WorkerHooks {
  /** Runs after the DynamoDB commit and before the reply and delete; throwing simulates a crash there. */
  afterApply?(command: Command, reply: Reply): void | Promise<void>;
}

type MessageResult = { message: Message; log: Logger } & ({ ok: true; reply?: Reply } | { ok: false });

/**
 * One received batch: validate, apply (one user's commands in order), publish
 * every reply with SendMessageBatch, and return the messages to delete. A
 * message whose apply or reply failed is not deleted; it is hidden for a
 * growing delay and redelivered, up to maxReceiveCount, then the DLQ.
 */
export function createBatchHandler(deps: BatchDeps, hooks: WorkerHooks = {}) {
  const userLock = new KeyedLock();
  const ledger = { ...deps, userCache: new UserStateCache() };

  async function handleMessage(message: Message): Promise<MessageResult> {
    // Before anything is read from the body: an unlisted sender's message is deleted with no effect and no reply.
    const sender = checkSender(deps.config.allowedSenderIds, message.Attributes?.SenderId);
    if (!sender.allowed) {
      deps.logger.warn({ messageId: message.MessageId, senderId: sender.senderId }, 'command from a sender not in WALLET_ALLOWED_SENDER_IDS: deleted without effect');
      return { message, log: deps.logger, ok: true };
    }
    const parsed = parseCommandBody(message.Body);
    const log = deps.logger.child({
      messageId: message.MessageId,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? '1'),
      ...(parsed.ok ? { idempotentKey: parsed.command.idempotentKey, userId: parsed.command.userId } : { idempotentKey: parsed.idempotentKey }),
    });
    if (!parsed.ok) {
      log.warn({ issues: parsed.issues }, 'invalid command');
      const reply = replyForInvalid(parsed);
      return { message, log, ok: true, ...(reply && { reply }) };
    }
    const { command } = parsed;
    try {
      const reply = await userLock.run(command.userId, async () => replyForOutcome(await applyCommand(ledger, command)));
      await hooks.afterApply?.(command, reply);
      log.info({ status: reply.status, reason: reply.reason, newBalance: reply.newBalance, replayed: reply.replayed }, 'command decided');
      return { message, log, ok: true, reply };
    } catch (err) {
      const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
      if (receiveCount >= deps.config.maxReceiveCount) {
        log.error({ err, maxReceiveCount: deps.config.maxReceiveCount }, 'command failed on its last delivery; SQS moves it to the dead-letter queue');
      } else {
        log.warn({ err }, 'command not decided; it will be redelivered');
      }
      return { message, log, ok: false };
    }
  }

  return async function handleBatch(messages: Message[]): Promise<Message[]> {
    const results = await Promise.all(messages.map(handleMessage));
    const toReply = results.filter((result): result is Extract<MessageResult, { ok: true }> & { reply: Reply } => result.ok && result.reply !== undefined);
    const failures = await publishReplies(
      deps.sqs,
      deps.queueUrls.reply,
      toReply.map((result) => result.reply),
    );
    const unpublished = new Set(toReply.filter((_, index) => failures.has(index)).map((result) => result.message));
    for (const [index, err] of failures) toReply[index]?.log.warn({ err }, 'reply not published; the command will be redelivered');

    const done = results.filter((result) => result.ok && !unpublished.has(result.message)).map((result) => result.message);
    const retry = results.filter((result) => !result.ok || unpublished.has(result.message)).map((result) => result.message);
    await delayRedelivery(deps, retry);
    return done;
  };
}

async function delayRedelivery(deps: BatchDeps, messages: Message[]): Promise<void> {
  try {
    await changeVisibility(deps.sqs, deps.queueUrls.command, messages, (message) => retryDelaySeconds(message, deps.config.worker.retryBaseSeconds));
  } catch (err) {
    // The messages still come back after the queue's visibility timeout.
    deps.logger.warn({ err }, 'could not set the retry delay');
  }
}
