import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { Reply } from '../messages/reply.js';
import { fifoFields } from './fifo.js';

/** Why each refused reply was refused, by its index in the input. */
export type ReplyFailures = Map<number, unknown>;

/**
 * Publishes replies ten at a time (SendMessageBatch). Never throws: it
 * returns the replies SQS did not take, so only their commands are retried.
 */
export async function publishReplies(
  sqs: SQSClient,
  replyQueueUrl: string,
  replies: Reply[],
  /** Extra message attributes per reply, by index (the trace context). */
  attributes: (Record<string, MessageAttributeValue> | undefined)[] = [],
): Promise<ReplyFailures> {
  const failures: ReplyFailures = new Map();
  for (let start = 0; start < replies.length; start += 10) {
    const chunk = replies.slice(start, start + 10);
    try {
      const result = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: replyQueueUrl,
          Entries: chunk.map((reply, offset) => {
            const body = JSON.stringify(reply);
            return {
              Id: String(start + offset),
              MessageBody: body,
              MessageAttributes: { ...attributes[start + offset], idempotentKey: { DataType: 'String', StringValue: reply.idempotentKey } },
              ...fifoFields(replyQueueUrl, reply.userId ?? reply.idempotentKey, createHash('sha256').update(body).digest('hex')),
            };
          }),
        }),
      );
      for (const entry of result.Failed ?? []) failures.set(Number(entry.Id), entry);
    } catch (error) {
      chunk.forEach((_, offset) => failures.set(start + offset, error));
    }
  }
  return failures;
}
