import { classifyAwsError } from '../aws-errors.js';
import type { StoreFaultError, StoreUnavailableError } from '../errors.js';

/**
 * Every failed DynamoDB call is classified here, once (STYLE 12):
 * - outage: the store cannot be reached or cannot take the load right now
 *   (network errors, timeouts, throttling, 5xx, missing table or credentials):
 *   the worker pauses and probes, and nothing is dead-lettered;
 * - fault: the store answered that this request is wrong (a bug): the
 *   message is retried a few times and then dead-lettered with the reason.
 */
const FAULT_NAMES = new Set([
  'ValidationException',
  'SerializationException',
  'ItemCollectionSizeLimitExceededException',
  'IdempotentParameterMismatchException',
]);

export function classifyStoreError(error: unknown, call: string): StoreUnavailableError | StoreFaultError {
  return classifyAwsError(error, { service: 'DynamoDB', call, faultNames: FAULT_NAMES });
}
