import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CORRELATION_ID_ATTRIBUTE } from '../messages/attributes.js';
import { ReplySchema, type Reply } from '../messages/reply.js';

export interface CollectedReply {
  /** The reply message's CorrelationId attribute, when the command carried one. */
  correlationId?: string;
  reply: Reply;
}

/**
 * Reads a reply queue (the worker's shared one, or a queue of your own given
 * as ReplyTo), deleting what it reads, and keeps every reply with its
 * CorrelationId, in arrival order. For commands sent without waiting
 * (`producer.send(command, { correlationId })`).
 */
export class ReplyCollector {
  readonly collected: CollectedReply[] = [];

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** The replies so far that carry this CorrelationId. */
  byCorrelation(correlationId: string): Reply[] {
    return this.collected.filter((item) => item.correlationId === correlationId).map((item) => item.reply);
  }

  /** Waits (long polls, never a fixed sleep) until `count` replies carry this CorrelationId, and returns them. */
  async waitFor(correlationId: string, { count = 1, timeoutMs = 30_000 }: { count?: number; timeoutMs?: number } = {}): Promise<Reply[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.byCorrelation(correlationId);
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${found.length} of ${count} replies with CorrelationId ${correlationId} within ${timeoutMs} ms`);
      await this.receive(Math.min(1, Math.floor(left / 1000)));
    }
  }

  /** One receive of up to 10 replies (a long poll of `waitSeconds`); returns how many arrived. */
  async receive(waitSeconds = 0): Promise<number> {
    const { Messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
        MessageAttributeNames: [CORRELATION_ID_ATTRIBUTE],
      }),
    );
    if (Messages.length === 0) return 0;
    for (const message of Messages) {
      const correlationId = message.MessageAttributes?.[CORRELATION_ID_ATTRIBUTE]?.StringValue;
      this.collected.push({
        ...(correlationId !== undefined && { correlationId }),
        reply: ReplySchema.parse(JSON.parse(message.Body ?? '')),
      });
    }
    await this.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
      }),
    );
    return Messages.length;
  }
}
