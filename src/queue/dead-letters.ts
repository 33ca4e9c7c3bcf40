import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { parseCommandBody } from '../messages/command.js';
import { toSqsText, truncateText } from '../messages/sqs-text.js';
import { fifoFields } from './fifo.js';
import { changeVisibility } from './visibility.js';

/** Why a message was moved to the DLQ at once (a poison message), as its sender recorded it. */
export interface DeadLetterReason {
  /** A typed error's code, e.g. `corrupt_item`. */
  code: string;
  detail: string;
}

export interface DeadLetter {
  messageId: string;
  body: string;
  /** SQS's ApproximateReceiveCount; the listing's own read is one of them. */
  receiveCount: number;
  /** When SQS first delivered the message. */
  firstReceivedAt?: string;
  /** Present when the worker dead-lettered it itself (sendToDeadLetter); absent when SQS moved it after maxReceiveCount. */
  reason?: DeadLetterReason;
  /** The command queue's MessageId of the message that was dead-lettered by the worker. */
  originalMessageId?: string;
}

export interface DeadLetterQueues {
  deadLetter: string;
  command: string;
}

/** Message attributes the worker adds on the DLQ copy; a redrive drops them. */
export const DEAD_LETTER_ATTRIBUTES = {
  reason: 'DeadLetterReason',
  detail: 'DeadLetterDetail',
  originalMessageId: 'DeadLetterOriginalMessageId',
} as const;

/** How long a listed message stays hidden while we page through the rest; extended as the listing goes. */
const LISTING_VISIBILITY_SECONDS = 30;
const MAX_LISTED = 10_000;
/** SQS allows ten message attributes; three are ours. */
const MAX_CARRIED_ATTRIBUTES = 10 - Object.keys(DEAD_LETTER_ATTRIBUTES).length;
const MAX_DETAIL_UNITS = 1024;

export interface ListOptions {
  max?: number;
  visibilityTimeoutSeconds?: number;
}

/**
 * Reads every message on the DLQ without consuming it. Listed messages stay
 * hidden until the listing ends (their visibility is extended while it runs,
 * so a long listing never meets them twice), then all are made visible again
 * at once. A message that came back anyway is listed once (by MessageId).
 */
export async function listDeadLetters(sqs: SQSClient, deadLetterUrl: string, options: ListOptions = {}): Promise<DeadLetter[]> {
  const max = options.max ?? MAX_LISTED;
  const visibility = options.visibilityTimeoutSeconds ?? LISTING_VISIBILITY_SECONDS;
  const seen = new Map<string, Message>();
  let hiddenAt = Date.now();
  try {
    while (seen.size < max) {
      // Re-hide what was listed once a third of its visibility has gone, so no page can outlast it.
      if (Date.now() - hiddenAt > (visibility * 1000) / 3) {
        hiddenAt = Date.now();
        await changeVisibility(sqs, deadLetterUrl, [...seen.values()], visibility);
      }
      const page = await receivePage(sqs, deadLetterUrl, visibility);
      const fresh = page.filter((message) => !seen.has(message.MessageId ?? ''));
      // The newest receipt handle is the one SQS still honours.
      for (const message of page) seen.set(message.MessageId ?? '', message);
      // Nothing left, or only messages already listed: everything has been seen.
      if (fresh.length === 0) break;
    }
  } finally {
    // Released or not, every listed message is visible again within `visibility`: a stale
    // handle (reported per entry) or a failed call must not cost the operator the listing.
    await changeVisibility(sqs, deadLetterUrl, [...seen.values()], 0).catch(() => undefined);
  }
  return [...seen.values()].map(toDeadLetter);
}

/**
 * Moves every DLQ message back to the command queue: receive, SendMessageBatch,
 * then delete only what was sent. A crash in between leaves a copy in both
 * queues, which is harmless because commands are idempotent. (Emulators such as
 * fauxqs lack StartMessageMoveTask, so this is done by hand.) The moved copy
 * keeps the message attributes of the original (ReplyTo, CorrelationId…) but
 * not the dead-letter reason.
 */
export async function redriveDeadLetters(sqs: SQSClient, queues: DeadLetterQueues): Promise<{ moved: number; failed: number }> {
  let moved = 0;
  let failed = 0;
  for (;;) {
    const page = await receivePage(sqs, queues.deadLetter, LISTING_VISIBILITY_SECONDS);
    if (page.length === 0) return { moved, failed };
    const { Successful = [], Failed = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.command,
        Entries: page.map((message, index) => ({
          Id: String(index),
          MessageBody: message.Body ?? '',
          ...withAttributes(carriedAttributes(message)),
          ...fifoFields(queues.command, groupOf(message), `redrive:${message.MessageId ?? ''}`),
        })),
      }),
    );
    const sent = Successful.flatMap((entry) => (entry.Id === undefined ? [] : [page[Number(entry.Id)]])).filter(
      (message) => message !== undefined,
    );
    if (sent.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queues.deadLetter,
          Entries: sent.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    }
    moved += sent.length;
    failed += Failed.length;
    // Unsent messages must not block the loop for their visibility timeout, nor be retried forever in it.
    if (Failed.length > 0) {
      const unsent = page.filter((message) => !sent.includes(message));
      await changeVisibility(sqs, queues.deadLetter, unsent, 0);
      return { moved, failed };
    }
  }
}

/**
 * Puts a message that can never succeed (poison) on the DLQ at once, with
 * why: the body unchanged, its attributes, and `DeadLetterReason`,
 * `DeadLetterDetail` and `DeadLetterOriginalMessageId`. The caller deletes
 * the original afterwards; if it crashes before that, the redelivery sends
 * again, and on a FIFO DLQ the same deduplication id drops the second copy.
 */
export async function sendToDeadLetter(
  sqs: SQSClient,
  queues: Pick<DeadLetterQueues, 'deadLetter'>,
  message: Message,
  reason: DeadLetterReason,
): Promise<{ messageId: string }> {
  const originalId = message.MessageId ?? '';
  const detail = truncateText(toSqsText(reason.detail), MAX_DETAIL_UNITS);
  const attributes: Record<string, MessageAttributeValue> = {
    ...carriedAttributes(message),
    [DEAD_LETTER_ATTRIBUTES.reason]: text(truncateText(toSqsText(reason.code), 256) || 'unknown'),
    // SQS refuses an empty attribute value.
    [DEAD_LETTER_ATTRIBUTES.detail]: text(detail || '-'),
    ...(originalId && { [DEAD_LETTER_ATTRIBUTES.originalMessageId]: text(originalId) }),
  };
  const { MessageId } = await sqs.send(
    new SendMessageCommand({
      QueueUrl: queues.deadLetter,
      MessageBody: message.Body ?? '',
      MessageAttributes: attributes,
      ...fifoFields(queues.deadLetter, groupOf(message), `dead-letter:${originalId}`),
    }),
  );
  return { messageId: MessageId ?? '' };
}

async function receivePage(sqs: SQSClient, queueUrl: string, visibilityTimeout: number): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      VisibilityTimeout: visibilityTimeout,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp', 'MessageGroupId'],
      MessageAttributeNames: ['All'],
    }),
  );
  return Messages;
}

function text(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}

/** The message's own attributes, without the dead-letter ones (at most as many as leave room for ours). */
function carriedAttributes(message: Message): Record<string, MessageAttributeValue> {
  const ours = new Set<string>(Object.values(DEAD_LETTER_ATTRIBUTES));
  return Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {})
      .filter(([name]) => !ours.has(name))
      .slice(0, MAX_CARRIED_ATTRIBUTES),
  );
}

function withAttributes(attributes: Record<string, MessageAttributeValue>): { MessageAttributes?: Record<string, MessageAttributeValue> } {
  return Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {};
}

/**
 * The FIFO group a moved message keeps: the one SQS reports for it, else its
 * user's (as the producer set it). The deduplication id is never the
 * command's: a redrive inside the 5-minute window would be silently dropped.
 */
function groupOf(message: Message): string {
  const reported = message.Attributes?.MessageGroupId;
  if (reported) return reported;
  const parsed = parseCommandBody(message.Body);
  return parsed.ok ? parsed.command.userId : (parsed.userId ?? parsed.idempotentKey ?? 'invalid');
}

function toDeadLetter(message: Message): DeadLetter {
  const firstReceive = Number(message.Attributes?.ApproximateFirstReceiveTimestamp);
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  const code = attribute(DEAD_LETTER_ATTRIBUTES.reason);
  const originalMessageId = attribute(DEAD_LETTER_ATTRIBUTES.originalMessageId);
  return {
    messageId: message.MessageId ?? '',
    body: message.Body ?? '',
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? '0'),
    ...(Number.isFinite(firstReceive) && firstReceive > 0 && { firstReceivedAt: new Date(firstReceive).toISOString() }),
    ...(code !== undefined && { reason: { code, detail: attribute(DEAD_LETTER_ATTRIBUTES.detail) ?? '' } }),
    ...(originalMessageId !== undefined && { originalMessageId }),
  };
}
