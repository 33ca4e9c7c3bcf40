import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { InvalidRequestError, ReplyTimeoutError } from '../errors.js';
import { CommandSchema, type Command } from '../messages/command.js';
import { ReplySchema, type Reply } from '../messages/reply.js';
import { withPublishSpan } from '../observability/tracing.js';
import { fifoFields } from './fifo.js';
import { changeVisibility } from './visibility.js';

/** Validates a command with the worker's own schema and puts it on the command queue. */
export async function publishCommand(sqs: SQSClient, commandQueueUrl: string, input: unknown): Promise<{ command: Command; messageId: string }> {
  const parsed = CommandSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
    throw new InvalidRequestError('invalid command', issues);
  }
  const command = parsed.data;
  // The W3C trace context (traceparent) travels in the message attributes to the worker and on to the reply.
  const { MessageId } = await withPublishSpan(commandQueueUrl, (traceAttributes) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: commandQueueUrl,
        MessageBody: JSON.stringify(command),
        ...(Object.keys(traceAttributes).length > 0 && { MessageAttributes: traceAttributes }),
        ...fifoFields(commandQueueUrl, command.userId, command.idempotentKey),
      }),
    ),
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
