import { SendMessageBatchCommand, type MessageAttributeValue, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { WalletError } from '../errors.js';
import type { Reply } from '../messages/reply.js';
import { toSqsJson, toSqsText } from '../messages/sqs-text.js';
import { fifoFields, sha256Hex } from './fifo.js';

/** Why each refused reply was refused, by its index in the input. */
export type ReplyFailures = Map<number, unknown>;

/**
 * A reply larger than this is not sent: it cannot be one of ours (an
 * invalid_command reply is bounded to a few KiB), and one oversized entry
 * must not make SQS refuse the whole batch (BatchRequestTooLong).
 */
export const MAX_REPLY_BYTES = 64 * 1024;

export class ReplyTooLargeError extends WalletError {
  readonly code = 'reply_too_large' as const;
  readonly retryable = false;
  constructor(readonly bytes: number) {
    super(`reply of ${bytes} bytes exceeds ${MAX_REPLY_BYTES}`);
  }
}

/** The body of a reply message: JSON whose every character SQS (and every emulator) accepts. */
export function serializeReply(reply: Reply): string {
  return toSqsJson(reply);
}

/**
 * One SendMessageBatch entry. On a FIFO reply queue the group is the user (or
 * the key) made SQS-safe, and the deduplication id a hash of everything sent,
 * so only a reply identical in body and attributes is ever dropped.
 */
export function replyEntry(replyQueueUrl: string, reply: Reply, id: string): SendMessageBatchRequestEntry {
  const body = serializeReply(reply);
  const attributes: Record<string, MessageAttributeValue> = { idempotentKey: { DataType: 'String', StringValue: toSqsText(reply.idempotentKey) } };
  return {
    Id: id,
    MessageBody: body,
    MessageAttributes: attributes,
    ...fifoFields(replyQueueUrl, reply.userId ?? reply.idempotentKey, sha256Hex(JSON.stringify([body, attributes]))),
  };
}

/**
 * Publishes replies ten at a time (SendMessageBatch). Never throws: it
 * returns the replies SQS did not take, so only their commands are retried.
 */
export async function publishReplies(sqs: SQSClient, replyQueueUrl: string, replies: Reply[]): Promise<ReplyFailures> {
  const failures: ReplyFailures = new Map();
  for (let start = 0; start < replies.length; start += 10) {
    const entries: SendMessageBatchRequestEntry[] = [];
    replies.slice(start, start + 10).forEach((reply, offset) => {
      const entry = replyEntry(replyQueueUrl, reply, String(start + offset));
      const bytes = Buffer.byteLength(entry.MessageBody ?? '', 'utf8');
      if (bytes > MAX_REPLY_BYTES) failures.set(start + offset, new ReplyTooLargeError(bytes));
      else entries.push(entry);
    });
    if (entries.length === 0) continue;
    try {
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: replyQueueUrl, Entries: entries }));
      for (const entry of result.Failed ?? []) failures.set(Number(entry.Id), entry);
    } catch (error) {
      for (const entry of entries) failures.set(Number(entry.Id), error);
    }
  }
  return failures;
}
