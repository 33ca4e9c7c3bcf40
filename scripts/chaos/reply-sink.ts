import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ReplySchema, type Reply } from '../../src/messages/reply.js';

/**
 * Drains the reply queue for the whole run (deleting what it reads, as a
 * consumer would) and keeps every reply, duplicates included.
 */
export class ReplySink {
  readonly replies: Reply[] = [];
  readonly repliedKeys = new Set<string>();
  unparseable = 0;
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  start(parallel = 2): void {
    this.running = true;
    this.loops = Array.from({ length: parallel }, () => this.loop());
  }

  /** How many of `keys` have had at least one reply. */
  countAnswered(keys: ReadonlySet<string>): number {
    let answered = 0;
    for (const key of this.repliedKeys) if (keys.has(key)) answered++;
    return answered;
  }

  /** Stops the loops, then reads whatever is still on the queue. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    while ((await this.receiveOnce(0)) > 0);
  }

  private async loop(): Promise<void> {
    while (this.running) await this.receiveOnce(1);
  }

  private async receiveOnce(waitSeconds: number): Promise<number> {
    const { Messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds, VisibilityTimeout: 60 }),
    );
    if (Messages.length === 0) return 0;
    for (const message of Messages) {
      const parsed = safeJson(message.Body);
      const reply = ReplySchema.safeParse(parsed);
      if (reply.success) {
        this.replies.push(reply.data);
        this.repliedKeys.add(reply.data.idempotentKey);
      } else {
        this.unparseable++;
      }
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

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}
