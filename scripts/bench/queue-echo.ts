import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueUrls } from '../../src/resources/definitions.js';

/**
 * The queue part of the pipeline alone, for the bench's "queue only" bound:
 * `pollers` loops that receive up to 10 commands, send one reply per
 * command and delete the batch, with no DynamoDB at all. Same SQS calls per
 * command as the worker (receive, SendMessageBatch of replies,
 * DeleteMessageBatch), so its rate bounds any end-to-end figure on this
 * emulator and machine.
 */
export function startQueueEcho(
  sqs: SQSClient,
  queueUrls: QueueUrls,
  pollers: number,
  onEcho: (count: number) => void,
): { stop(): Promise<void> } {
  let stopping = false;
  const loops = Array.from({ length: pollers }, async () => {
    while (!stopping) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrls.command, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      if (Messages.length === 0) continue;
      const entries = Messages.map((message, index) => {
        const { idempotentKey } = JSON.parse(message.Body ?? '{}') as { idempotentKey?: string };
        return { Id: String(index), MessageBody: JSON.stringify({ idempotentKey, status: 'applied' }) };
      });
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrls.reply, Entries: entries }));
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrls.command,
          Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
      onEcho(Messages.length);
    }
  });
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}
