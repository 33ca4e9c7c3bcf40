import type { Reply } from '../messages/reply.js';
import type { Producer } from '../producer/producer.js';
import type { Wallet } from '../wallet.js';

export interface DeliverOptions {
  /** How many times to send the command (default 2). */
  times?: number;
  /** All at once (default: one after another, each after the previous reply). */
  concurrently?: boolean;
  /** Per delivery (default 30 000): ReplyTimeoutError when a delivery is never answered. */
  timeoutMs?: number;
}

/**
 * Sends the same command `times` times through the queue and waits for the
 * reply to each: every send is its own message with its own CorrelationId
 * (on a FIFO queue its own deduplication id too, so SQS drops none), as a
 * producer that retries would send it. Resolves with the replies in the
 * order of the sends; rejects when any delivery goes unanswered.
 */
export async function deliver(
  through: Wallet | Producer,
  command: unknown,
  { times = 2, concurrently = false, timeoutMs = 30_000 }: DeliverOptions = {},
): Promise<Reply[]> {
  const once = async (): Promise<Reply> => {
    if ('request' in through) return through.request(command, { timeoutMs });
    const { reply } = await through.publishTransaction(command, { waitForReply: true, timeoutMs });
    if (!reply) throw new Error('publishTransaction returned no reply');
    return reply;
  };
  if (concurrently) return Promise.all(Array.from({ length: times }, once));
  const replies: Reply[] = [];
  for (let index = 0; index < times; index++) replies.push(await once());
  return replies;
}
