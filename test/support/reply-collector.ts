import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ReplySchema, type Reply } from '../../src/messages/reply.js';
import { eventually } from './eventually.js';

/** Drains a reply queue (deleting what it reads) and keeps every reply, in arrival order. */
export class ReplyCollector {
  readonly replies: Reply[] = [];

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async drain(): Promise<void> {
    for (;;) {
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30 }),
      );
      if (Messages.length === 0) return;
      for (const message of Messages) this.replies.push(ReplySchema.parse(JSON.parse(message.Body ?? '')));
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    }
  }

  forKey(idempotentKey: string): Reply[] {
    return this.replies.filter((reply) => reply.idempotentKey === idempotentKey);
  }

  /** Waits until `count` replies for the key have arrived and returns them. */
  async waitForKey(idempotentKey: string, count = 1, timeoutMs = 30_000): Promise<Reply[]> {
    return eventually(
      `${count} replies for ${idempotentKey}`,
      async () => {
        await this.drain();
        const found = this.forKey(idempotentKey);
        return found.length >= count ? found : undefined;
      },
      timeoutMs,
    );
  }

  /** Waits until at least `count` replies in all have arrived. */
  async waitForCount(count: number, timeoutMs = 60_000): Promise<Reply[]> {
    return eventually(
      `${count} replies`,
      async () => {
        await this.drain();
        return this.replies.length >= count ? this.replies : undefined;
      },
      timeoutMs,
    );
  }
}
