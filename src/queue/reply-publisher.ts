import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { CORRELATION_ID_ATTRIBUTE } from '../messages/attributes.js';
import type { Reply } from '../messages/reply.js';
import { fifoFields } from './fifo.js';
import { isMissingQueueError } from './sqs-errors.js';

/** One reply and where it goes (see reply-routing.ts). */
export interface OutgoingReply {
  reply: Reply;
  queueUrl: string;
  /** Copied onto the reply message as the CorrelationId attribute. */
  correlationId?: string;
}

export interface PublishRepliesOptions {
  /** The default reply queue: where a reply goes when its own queue no longer exists. */
  fallbackQueueUrl: string;
  logger?: Logger;
}

/** Why each refused reply was refused, by its index in the input. */
export type ReplyFailures = Map<number, unknown>;

/**
 * Publishes replies with SendMessageBatch, ten at a time per destination
 * queue. Never throws: it returns the replies SQS did not take, so only their
 * commands are retried. A reply whose ReplyTo queue no longer exists (its
 * waiting process went away) goes to the fallback queue instead: retrying the
 * command would never make that queue come back.
 */
export async function publishReplies(sqs: SQSClient, replies: OutgoingReply[], options: PublishRepliesOptions): Promise<ReplyFailures> {
  const failures: ReplyFailures = new Map();
  const byQueue = new Map<string, number[]>();
  replies.forEach((outgoing, index) => byQueue.set(outgoing.queueUrl, [...(byQueue.get(outgoing.queueUrl) ?? []), index]));

  await Promise.all(
    [...byQueue].map(async ([queueUrl, indexes]) => {
      for (let start = 0; start < indexes.length; start += 10) {
        const chunk = indexes.slice(start, start + 10);
        try {
          await sendChunk(sqs, queueUrl, replies, chunk, failures);
        } catch (error) {
          if (isMissingQueueError(error) && queueUrl !== options.fallbackQueueUrl) {
            options.logger?.warn({ queueUrl, replies: chunk.length }, 'ReplyTo queue no longer exists; replies go to the default reply queue');
            await sendChunk(sqs, options.fallbackQueueUrl, replies, chunk, failures).catch((fallbackError: unknown) => {
              for (const index of chunk) failures.set(index, fallbackError);
            });
          } else {
            for (const index of chunk) failures.set(index, error);
          }
        }
      }
    }),
  );
  return failures;
}

async function sendChunk(sqs: SQSClient, queueUrl: string, replies: OutgoingReply[], chunk: number[], failures: ReplyFailures): Promise<void> {
  const result = await sqs.send(
    new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((index) => entryFor(queueUrl, index, replies[index] as OutgoingReply)) }),
  );
  for (const entry of result.Failed ?? []) failures.set(Number(entry.Id), entry);
}

function entryFor(queueUrl: string, index: number, { reply, correlationId }: OutgoingReply): SendMessageBatchRequestEntry {
  const body = JSON.stringify(reply);
  // The CorrelationId is part of the deduplication id: on a FIFO reply queue, two waiters of one
  // process that sent the same command get identical bodies, and neither reply may be dropped.
  const deduplicationId = createHash('sha256').update(body).update('\n').update(correlationId ?? '').digest('hex');
  return {
    Id: String(index),
    MessageBody: body,
    MessageAttributes: {
      idempotentKey: { DataType: 'String', StringValue: reply.idempotentKey },
      ...(correlationId !== undefined && { [CORRELATION_ID_ATTRIBUTE]: { DataType: 'String', StringValue: correlationId } }),
    },
    ...fifoFields(queueUrl, reply.userId ?? reply.idempotentKey, deduplicationId),
  };
}
