import { createHash } from 'node:crypto';

export function isFifoQueue(queueUrl: string): boolean {
  return queueUrl.endsWith('.fifo');
}

/** FIFO queues need a group and a deduplication id; standard queues refuse them. */
export function fifoFields(queueUrl: string, groupId: string, deduplicationId: string) {
  if (!isFifoQueue(queueUrl)) return {};
  // SQS caps both ids at 128 characters; a hash keeps long keys within it.
  const fit = (value: string) => (value.length <= 128 ? value : createHash('sha256').update(value).digest('hex'));
  return { MessageGroupId: fit(groupId), MessageDeduplicationId: fit(deduplicationId) };
}
