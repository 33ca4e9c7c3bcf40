import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { InvalidRequestError } from '../errors.js';
import { CORRELATION_ID_ATTRIBUTE, REPLY_TO_ATTRIBUTE } from '../messages/attributes.js';
import { CommandSchema, type Command } from '../messages/command.js';
import { fifoFields } from './fifo.js';

/** Where the worker should send the reply (SPEC "Request and reply"); both go out as message attributes. */
export interface ReplyRequest {
  replyTo: string;
  correlationId: string;
}

/** Validates a command with the worker's own schema; throws InvalidRequestError listing the issues. */
export function validateCommand(input: unknown): Command {
  const parsed = CommandSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  throw new InvalidRequestError('invalid command', issues);
}

/** Validates a command and puts it on the command queue, with ReplyTo and CorrelationId when a reply is awaited. */
export async function publishCommand(
  sqs: SQSClient,
  commandQueueUrl: string,
  input: unknown,
  replyRequest?: ReplyRequest,
): Promise<{ command: Command; messageId: string }> {
  const command = validateCommand(input);
  const { MessageId } = await sqs.send(
    new SendMessageCommand({
      QueueUrl: commandQueueUrl,
      MessageBody: JSON.stringify(command),
      ...(replyRequest && {
        MessageAttributes: {
          [REPLY_TO_ATTRIBUTE]: { DataType: 'String', StringValue: replyRequest.replyTo },
          [CORRELATION_ID_ATTRIBUTE]: { DataType: 'String', StringValue: replyRequest.correlationId },
        },
      }),
      ...fifoFields(commandQueueUrl, command.userId, command.idempotentKey),
    }),
  );
  return { command, messageId: MessageId ?? '' };
}
