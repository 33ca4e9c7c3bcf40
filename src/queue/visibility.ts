import { ChangeMessageVisibilityBatchCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * Sets how long received messages stay hidden, ten per
 * ChangeMessageVisibilityBatch (0 hands them straight back to other readers).
 */
export async function changeVisibility(
  sqs: SQSClient,
  queueUrl: string,
  messages: Message[],
  seconds: number | ((message: Message) => number),
): Promise<void> {
  for (let start = 0; start < messages.length; start += 10) {
    const chunk = messages.slice(start, start + 10);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: typeof seconds === 'number' ? seconds : seconds(message),
        })),
      }),
    );
  }
}
