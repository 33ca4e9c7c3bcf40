import { StoreUnavailableError, WalletError } from '../errors.js';

/**
 * Every failed DynamoDB call is classified here, once (STYLE 12):
 * - outage: the store cannot be reached or cannot take the load right now
 *   (network errors, timeouts, throttling, 5xx, missing table or credentials):
 *   the worker pauses and probes, and nothing is dead-lettered;
 * - fault: the store answered that this request is wrong (a bug): the
 *   message is retried a few times and then dead-lettered with the reason.
 */
export class StoreFaultError extends WalletError {
  readonly code = 'store_fault' as const;
  readonly retryable = true;
}

const FAULT_NAMES = new Set(['ValidationException', 'SerializationException', 'ItemCollectionSizeLimitExceededException', 'IdempotentParameterMismatchException']);

export function classifyStoreError(error: unknown, call: string): StoreUnavailableError | StoreFaultError {
  if (error instanceof StoreUnavailableError || error instanceof StoreFaultError) return error;
  const name = error instanceof Error ? error.name : 'Unknown';
  if (FAULT_NAMES.has(name) || (error instanceof Error && !isAwsOrNetworkError(error))) {
    return new StoreFaultError(`DynamoDB refused ${call} (${name})`, { cause: error });
  }
  return new StoreUnavailableError(`DynamoDB unavailable for ${call} (${name})`, { cause: error });
}

/** SDK service errors carry $metadata; socket and timeout errors carry a code or a timeout name. */
function isAwsOrNetworkError(error: Error): boolean {
  return '$metadata' in error || 'code' in error || /Timeout|Abort|Network|Socket/i.test(error.name) || error.cause instanceof Error;
}
