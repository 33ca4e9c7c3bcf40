import type { BatchResultErrorEntry } from '@aws-sdk/client-sqs';
import { classifyAwsError } from '../aws-errors.js';
import type { StoreFaultError, StoreUnavailableError } from '../errors.js';

/** SQS's "no such queue", under its JSON-protocol name and its older query-protocol code. */
export function isMissingQueueError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue';
}

/**
 * SQS refused this caller on this queue: its policy denies the send (403
 * AccessDenied, under the JSON and the query protocol's names), or its KMS
 * key does not let the caller encrypt. Trying the same queue again cannot
 * succeed.
 */
export function isAccessDeniedError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'KmsAccessDenied' || name === 'KMS.AccessDeniedException';
}

/**
 * One entry of a batch that SQS refused the way isAccessDeniedError's calls
 * are refused (the queue's policy or KMS key denies this caller), listed in
 * the answer's `Failed` as the sender's fault while the call itself succeeded.
 */
export function isRefusedEntry(entry: Pick<BatchResultErrorEntry, 'Code' | 'SenderFault'>): boolean {
  return entry.SenderFault === true && isAccessDeniedError({ name: entry.Code });
}

/** SQS answers that say the request itself is wrong (a bug of ours), not that SQS is unwell. */
const FAULT_NAMES = new Set([
  'InvalidParameterValue',
  'InvalidParameterValueException',
  'InvalidMessageContents',
  'InvalidAttributeName',
  'InvalidAttributeValue',
  'MissingParameter',
  'UnsupportedOperation',
  'BatchRequestTooLong',
  'BatchEntryIdsNotDistinct',
  'TooManyEntriesInBatchRequest',
]);

/** A failed SQS call as a typed error, at the call (see aws-errors.ts). */
export function classifySqsError(error: unknown, call: string): StoreUnavailableError | StoreFaultError {
  return classifyAwsError(error, { service: 'SQS', call, faultNames: FAULT_NAMES });
}
