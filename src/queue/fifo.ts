import { createHash } from 'node:crypto';
import { formatStored, isWireAmountFormat, parseAmount } from '../money/money.js';

export function isFifoQueue(queueUrl: string): boolean {
  return queueUrl.endsWith('.fifo');
}

/**
 * SQS's alphabet for MessageGroupId and MessageDeduplicationId: ASCII
 * alphanumerics and punctuation (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~), 1–128
 * characters. No spaces, nothing beyond ASCII.
 */
const SQS_FIFO_ID = /^[\x21-\x7e]{1,128}$/;

/** A hex SHA-256: 64 characters, always a valid FIFO id. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * An id SQS accepts: the value itself when it already fits, else its SHA-256.
 * Deterministic, so one user is always one group ("José" and "order 42"
 * included). A hash can only coincide with an id that is itself 64 hex
 * characters; two users sharing a group are merely ordered together.
 */
export function toFifoId(value: string): string {
  return SQS_FIFO_ID.test(value) ? value : sha256Hex(value);
}

/**
 * The deduplication id of a command: a hash of the whole command, so SQS
 * drops an exact re-send within its 5-minute window while a different command
 * under a reused key gets through (and is answered `idempotency_key_reused`).
 * Canonical as the ledger compares commands: field order does not matter and
 * amounts compare as money ("10" and "10.00" are one command, as they are one
 * command to the ledger, which would only replay the second). `context` (a
 * CorrelationId, say) makes re-sends from different requests distinct.
 */
export function commandDeduplicationId(command: Record<string, unknown>, context?: string): string {
  const canonical = Object.keys(command)
    .sort()
    .map((field) => {
      const value = command[field];
      const money = field === 'amount' && typeof value === 'string' && isWireAmountFormat(value) && /[1-9]/.test(value);
      return [field, money ? formatStored(parseAmount(value)) : value];
    });
  return sha256Hex(JSON.stringify(context === undefined ? canonical : [canonical, context]));
}

/**
 * FIFO queues need a group and a deduplication id; standard queues refuse them. Both are made SQS-safe here.
 * A deduplication id that costs a hash to build can be passed as a function: it runs only for a FIFO queue.
 */
export function fifoFields(
  queueUrl: string,
  groupId: string,
  deduplicationId: string | (() => string),
): { MessageGroupId?: string; MessageDeduplicationId?: string } {
  if (!isFifoQueue(queueUrl)) return {};
  return {
    MessageGroupId: toFifoId(groupId),
    MessageDeduplicationId: toFifoId(typeof deduplicationId === 'string' ? deduplicationId : deduplicationId()),
  };
}
