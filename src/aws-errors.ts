import { StoreFaultError, StoreUnavailableError } from './errors.js';

/**
 * The one rule that turns a failed SQS or DynamoDB call into a typed error
 * (STYLE 12), applied where the call is made (ledger/store-errors.ts,
 * queue/sqs-errors.ts), so nothing above branches on an SDK error name:
 * - fault: the service answered that this request is wrong (one of
 *   `faultNames`, or not an AWS or network error at all): a bug, 500 at the
 *   gateway, dead-lettered by the worker after a few tries;
 * - outage: anything else the service or the network said (unreachable,
 *   timeouts, throttling, 5xx, missing table, queue or credentials): try
 *   again later, 503 at the gateway, the worker pauses and probes.
 */
export function classifyAwsError(
  error: unknown,
  { service, call, faultNames }: { service: 'DynamoDB' | 'SQS'; call: string; faultNames: ReadonlySet<string> },
): StoreUnavailableError | StoreFaultError {
  if (error instanceof StoreUnavailableError || error instanceof StoreFaultError) return error;
  const name = error instanceof Error ? error.name : 'Unknown';
  if (faultNames.has(name) || (error instanceof Error && !isAwsOrNetworkError(error))) {
    return new StoreFaultError(`${service} refused ${call} (${name})`, { cause: error });
  }
  return new StoreUnavailableError(`${service} unavailable for ${call} (${name})`, { cause: error });
}

/** SDK service errors carry $metadata; socket and timeout errors carry a code or a timeout name, or wrap one. */
function isAwsOrNetworkError(error: Error): boolean {
  return '$metadata' in error || 'code' in error || /Timeout|Abort|Network|Socket/i.test(error.name) || error.cause instanceof Error;
}
