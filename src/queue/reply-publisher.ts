import {
  SendMessageBatchCommand,
  type BatchResultErrorEntry,
  type MessageAttributeValue,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { ReplyTooLargeError } from '../errors.js';
import { CORRELATION_ID_ATTRIBUTE } from '../messages/attributes.js';
import type { Reply } from '../messages/reply.js';
import { toSqsJson, toSqsText } from '../messages/sqs-text.js';
import { fifoFields, sha256Hex } from './fifo.js';
import { isAccessDeniedError, isMissingQueueError, isRefusedEntry } from './sqs-errors.js';

/** One reply and where it goes (see reply-routing.ts). */
export interface OutgoingReply {
  reply: Reply;
  queueUrl: string;
  /** Copied onto the reply message as the CorrelationId attribute. */
  correlationId?: string;
  /** Attributes that are not the reply's content (the trace context): sent, but not part of the deduplication id. */
  extraAttributes?: Record<string, MessageAttributeValue>;
}

export interface PublishRepliesOptions {
  /** The default reply queue: where a reply goes when its own queue no longer exists. */
  fallbackQueueUrl: string;
  logger?: Logger;
}

/** Why each refused reply was refused, by its index in the input. */
export type ReplyFailures = Map<number, unknown>;

/**
 * A reply larger than this is not sent: it cannot be one of ours (an
 * invalid_command reply is bounded to a few KiB), and one oversized entry
 * must not make SQS refuse the whole batch (BatchRequestTooLong).
 */
export const MAX_REPLY_BYTES = 64 * 1024;

/** The body of a reply message: JSON whose every character SQS (and every emulator) accepts. */
export function serializeReply(reply: Reply): string {
  return toSqsJson(reply);
}

/**
 * One SendMessageBatch entry. On a FIFO reply queue the group is the user (or
 * the key) made SQS-safe, and the deduplication id a hash of everything sent
 * (the CorrelationId included: two waiters of one process that sent the same
 * command get identical bodies, and neither reply may be dropped).
 */
export function replyEntry(
  queueUrl: string,
  { reply, correlationId, extraAttributes }: Omit<OutgoingReply, 'queueUrl'>,
  id: string,
  body: string = serializeReply(reply),
): SendMessageBatchRequestEntry {
  const attributes: Record<string, MessageAttributeValue> = {
    idempotentKey: { DataType: 'String', StringValue: toSqsText(reply.idempotentKey) },
    ...(correlationId !== undefined && { [CORRELATION_ID_ATTRIBUTE]: { DataType: 'String', StringValue: correlationId } }),
  };
  return {
    Id: id,
    MessageBody: body,
    MessageAttributes: { ...extraAttributes, ...attributes },
    ...fifoFields(queueUrl, reply.userId ?? reply.idempotentKey, () => sha256Hex(JSON.stringify([body, attributes]))),
  };
}

/**
 * Publishes replies with SendMessageBatch, ten at a time per destination
 * queue. Never throws: it returns the replies SQS did not take, so only their
 * commands are retried. A reply whose ReplyTo queue no longer exists (its
 * waiting process went away) or refuses the worker (its policy or key denies
 * the send) goes to the fallback queue instead: retrying the command would
 * never make that queue come back or change its mind, only carry the command
 * to the DLQ. That holds for one entry of a batch as for the whole call: an
 * entry SQS lists in `Failed` as the sender's fault with an access-denied
 * code falls back alone; any other failed entry is retried.
 */
export async function publishReplies(sqs: SQSClient, replies: OutgoingReply[], options: PublishRepliesOptions): Promise<ReplyFailures> {
  const failures: ReplyFailures = new Map();
  const byQueue = new Map<string, number[]>();
  // Each body serialised once: measured for the size limit here, sent as is below.
  const bodies = replies.map((outgoing) => serializeReply(outgoing.reply));
  replies.forEach((outgoing, index) => {
    const bytes = Buffer.byteLength(bodies[index] as string, 'utf8');
    if (bytes > MAX_REPLY_BYTES) failures.set(index, new ReplyTooLargeError(bytes, MAX_REPLY_BYTES));
    else {
      const indexes = byQueue.get(outgoing.queueUrl);
      if (indexes) indexes.push(index);
      else byQueue.set(outgoing.queueUrl, [index]);
    }
  });

  await Promise.all(
    [...byQueue].map(async ([queueUrl, indexes]) => {
      const mayFallBack = queueUrl !== options.fallbackQueueUrl;
      for (let start = 0; start < indexes.length; start += 10) {
        const chunk = indexes.slice(start, start + 10);
        let refused: { indexes: number[]; missing: boolean; err: unknown } | undefined;
        try {
          const failed = await sendChunk(sqs, queueUrl, replies, bodies, chunk);
          for (const [index, entry] of failed) {
            // One entry refused while the others went: the same refusal as a whole call's 403, for that reply alone.
            if (mayFallBack && isRefusedEntry(entry)) {
              refused ??= { indexes: [], missing: false, err: entry };
              refused.indexes.push(index);
            } else failures.set(index, entry);
          }
        } catch (error) {
          const missing = isMissingQueueError(error);
          if (mayFallBack && (missing || isAccessDeniedError(error))) refused = { indexes: chunk, missing, err: error };
          else for (const index of chunk) failures.set(index, error);
        }
        if (refused) await fallBack(sqs, queueUrl, refused, { replies, bodies, failures, options });
      }
    }),
  );
  return failures;
}

/** Sends to the default reply queue the replies their ReplyTo queue cannot take; what fails there is retried. */
async function fallBack(
  sqs: SQSClient,
  queueUrl: string,
  { indexes, missing, err }: { indexes: number[]; missing: boolean; err: unknown },
  {
    replies,
    bodies,
    failures,
    options,
  }: { replies: OutgoingReply[]; bodies: string[]; failures: ReplyFailures; options: PublishRepliesOptions },
): Promise<void> {
  const why = missing ? 'ReplyTo queue no longer exists' : 'ReplyTo queue refused the reply';
  options.logger?.warn({ queueUrl, replies: indexes.length, ...(!missing && { err }) }, `${why}; replies go to the default reply queue`);
  try {
    for (const [index, entry] of await sendChunk(sqs, options.fallbackQueueUrl, replies, bodies, indexes)) failures.set(index, entry);
  } catch (fallbackError) {
    for (const index of indexes) failures.set(index, fallbackError);
  }
}

/** Sends one batch (at most ten replies); returns the entries SQS listed as failed, by reply index. */
async function sendChunk(
  sqs: SQSClient,
  queueUrl: string,
  replies: OutgoingReply[],
  bodies: string[],
  chunk: number[],
): Promise<Map<number, BatchResultErrorEntry>> {
  const result = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: chunk.map((index) => replyEntry(queueUrl, replies[index] as OutgoingReply, String(index), bodies[index])),
    }),
  );
  return new Map((result.Failed ?? []).map((entry) => [Number(entry.Id), entry]));
}
