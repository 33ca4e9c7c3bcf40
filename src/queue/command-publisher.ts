import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { InvalidRequestError, ReplyTimeoutError } from '../errors.js';
import { parseCommand, type Command } from '../messages/command.js';
import { ReplySchema, type Reply } from '../messages/reply.js';
import { toSqsJson } from '../messages/sqs-text.js';
import { commandDeduplicationId, fifoFields } from './fifo.js';
import { changeVisibility } from './visibility.js';

/** Validates a command with the worker's own schema and puts it on the command queue. */
export async function publishCommand(sqs: SQSClient, commandQueueUrl: string, input: unknown): Promise<{ command: Command; messageId: string }> {
  // parseCommand bounds the issues: an input with thousands of unknown fields is not echoed back whole.
  const parsed = parseCommand(input);
  if (!parsed.ok) throw new InvalidRequestError('invalid command', parsed.issues);
  const { command } = parsed;
  const { MessageId } = await sqs.send(
    new SendMessageCommand({
      QueueUrl: commandQueueUrl,
      MessageBody: toSqsJson(command),
      ...fifoFields(commandQueueUrl, command.userId, commandDeduplicationId(command)),
    }),
  );
  return { command, messageId: MessageId ?? '' };
}

/**
 * Waits for the reply to one command on a reply queue that may be shared:
 * other replies seen meanwhile are released at once for their own readers.
 */
export async function waitForReply(sqs: SQSClient, replyQueueUrl: string, idempotentKey: string, timeoutMs: number): Promise<Reply> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: replyQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: Math.max(0, Math.min(5, Math.floor((deadline - Date.now()) / 1000))),
        VisibilityTimeout: 10,
      }),
    );
    const others = [];
    let found: Reply | undefined;
    for (const message of Messages) {
      const reply = parseReply(message.Body);
      if (!found && reply?.idempotentKey === idempotentKey) {
        found = reply;
        await sqs.send(new DeleteMessageCommand({ QueueUrl: replyQueueUrl, ReceiptHandle: message.ReceiptHandle }));
      } else {
        others.push(message);
      }
    }
    await changeVisibility(sqs, replyQueueUrl, others, 0);
    if (found) return found;
  }
  throw new ReplyTimeoutError(`no reply for ${JSON.stringify(idempotentKey)} within ${timeoutMs} ms`);
}

export function parseReply(body: string | undefined): Reply | undefined {
  try {
    const result = ReplySchema.safeParse(JSON.parse(body ?? ''));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
