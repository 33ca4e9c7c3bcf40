import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { parseCommandBody } from '../messages/command.js';
import { fifoFields } from './fifo.js';
import { changeVisibility } from './visibility.js';

export interface DeadLetter {
  messageId: string;
  body: string;
  /** SQS's ApproximateReceiveCount; the listing's own read is one of them. */
  receiveCount: number;
  /** When SQS first delivered the message. */
  firstReceivedAt?: string;
}

export interface DeadLetterQueues {
  deadLetter: string;
  command: string;
}

/** How long a listed message stays hidden while we page through the rest, so no message is read twice. */
const LISTING_VISIBILITY_SECONDS = 30;
const MAX_LISTED = 10_000;

/**
 * Reads every message on the DLQ without consuming it: each page stays hidden
 * only until the listing ends, then all are made visible again at once.
 */
export async function listDeadLetters(sqs: SQSClient, deadLetterUrl: string, max = MAX_LISTED): Promise<DeadLetter[]> {
  const seen: Message[] = [];
  try {
    while (seen.length < max) {
      const page = await receivePage(sqs, deadLetterUrl, LISTING_VISIBILITY_SECONDS);
      if (page.length === 0) break;
      seen.push(...page);
    }
  } finally {
    await changeVisibility(sqs, deadLetterUrl, seen, 0);
  }
  return seen.map(toDeadLetter);
}

/**
 * Moves every DLQ message back to the command queue: receive, SendMessageBatch,
 * then delete only what was sent. A crash in between leaves a copy in both
 * queues, which is harmless because commands are idempotent. (Emulators such as
 * fauxqs lack StartMessageMoveTask, so this is done by hand.)
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
        Entries: page.map((message, index) => ({ Id: String(index), MessageBody: message.Body ?? '', ...redriveFifoFields(queues.command, message) })),
      }),
    );
    const sent = Successful.flatMap((entry) => (entry.Id === undefined ? [] : [page[Number(entry.Id)]])).filter((message) => message !== undefined);
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

async function receivePage(sqs: SQSClient, queueUrl: string, visibilityTimeout: number): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      VisibilityTimeout: visibilityTimeout,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp'],
    }),
  );
  return Messages;
}


/** On a FIFO command queue the moved command keeps its user's group and its key as deduplication id. */
function redriveFifoFields(commandUrl: string, message: Message) {
  const parsed = parseCommandBody(message.Body);
  const groupId = parsed.ok ? parsed.command.userId : (parsed.userId ?? 'invalid');
  const deduplicationId = parsed.ok ? parsed.command.idempotentKey : (message.MessageId ?? 'unknown');
  return fifoFields(commandUrl, groupId, deduplicationId);
}

function toDeadLetter(message: Message): DeadLetter {
  const firstReceive = Number(message.Attributes?.ApproximateFirstReceiveTimestamp);
  return {
    messageId: message.MessageId ?? '',
    body: message.Body ?? '',
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? '0'),
    ...(Number.isFinite(firstReceive) && firstReceive > 0 && { firstReceivedAt: new Date(firstReceive).toISOString() }),
  };
}
