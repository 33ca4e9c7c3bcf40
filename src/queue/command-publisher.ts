import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { InvalidRequestError } from '../errors.js';
import { CORRELATION_ID_ATTRIBUTE, REPLY_TO_ATTRIBUTE } from '../messages/attributes.js';
import { parseCommand, type Command } from '../messages/command.js';
import { toSqsJson } from '../messages/sqs-text.js';
import { withPublishSpan } from '../observability/tracing.js';
import { commandDeduplicationId, fifoFields } from './fifo.js';
import { classifySqsError } from './sqs-errors.js';

/** Where the worker should send the reply (SPEC "Request and reply"); both go out as message attributes. */
export interface ReplyRequest {
  replyTo: string;
  correlationId: string;
}

/** Validates a command with the worker's own schema; throws InvalidRequestError listing the (bounded) issues. */
export function validateCommand(input: unknown): Command {
  // parseCommand bounds the issues: an input with thousands of unknown fields is not echoed back whole.
  const parsed = parseCommand(input);
  if (!parsed.ok) throw new InvalidRequestError('invalid command', parsed.issues);
  return parsed.command;
}

/**
 * Validates a command and puts it on the command queue, with ReplyTo and
 * CorrelationId when a reply is awaited. On a FIFO queue a waited-for command
 * is deduplicated together with its CorrelationId: a waiter that sends the
 * same command again must still get its own reply (the ledger replays it).
 */
export async function publishCommand(
  sqs: SQSClient,
  commandQueueUrl: string,
  input: unknown,
  replyRequest?: ReplyRequest,
): Promise<{ command: Command; messageId: string }> {
  const command = validateCommand(input);
  // The W3C trace context (traceparent) travels in the message attributes to the worker and on to the reply.
  const { MessageId } = await withPublishSpan(commandQueueUrl, (traceAttributes) => {
    const attributes = {
      ...traceAttributes,
      ...(replyRequest && {
        [REPLY_TO_ATTRIBUTE]: { DataType: 'String', StringValue: replyRequest.replyTo },
        [CORRELATION_ID_ATTRIBUTE]: { DataType: 'String', StringValue: replyRequest.correlationId },
      }),
    };
    return sqs
      .send(
        new SendMessageCommand({
          QueueUrl: commandQueueUrl,
          MessageBody: toSqsJson(command),
          ...(Object.keys(attributes).length > 0 && { MessageAttributes: attributes }),
          ...fifoFields(commandQueueUrl, command.userId, commandDeduplicationId(command, replyRequest?.correlationId)),
        }),
      )
      .catch((error: unknown) => {
        throw classifySqsError(error, 'SendMessage');
      });
  });
  return { command, messageId: MessageId ?? '' };
}
