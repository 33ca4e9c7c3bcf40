import { SendMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { fifoFields } from './fifo.js';

/**
 * Moves a message that can never succeed to the DLQ at once, with why: the
 * caller deletes the original only after this send succeeded.
 */
export async function sendToDeadLetter(sqs: SQSClient, deadLetterUrl: string, message: Message, reason: { code: string; detail: string }): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: deadLetterUrl,
      MessageBody: message.Body ?? '',
      MessageAttributes: {
        DeadLetterReason: { DataType: 'String', StringValue: reason.code },
        DeadLetterDetail: { DataType: 'String', StringValue: reason.detail.slice(0, 1000) },
        OriginalMessageId: { DataType: 'String', StringValue: message.MessageId ?? 'unknown' },
      },
      ...fifoFields(deadLetterUrl, message.Attributes?.MessageGroupId ?? 'poison', message.MessageId ?? 'unknown'),
    }),
  );
}
