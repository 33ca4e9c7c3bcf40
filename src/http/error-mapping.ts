import { InvalidRequestError, WalletError } from '../errors.js';

export interface ErrorBody {
  /** Stable machine-readable code (a WalletError's `code`, or `bad_request` / `internal_error`). */
  error: string;
  message: string;
  issues?: { path: string; message: string }[];
}

/** HTTP status per typed error code; decided by class and `code`, never by message text. */
export const STATUS_BY_CODE: Record<string, number> = {
  invalid_request: 400,
  user_not_found: 404,
  // A balance asked for before the wallet existed: there is no such balance.
  before_wallet_opened: 404,
  reply_timeout: 504,
  // The gateway stopped waiting (it is shutting down; on a client disconnect nobody reads the answer).
  reply_wait_cancelled: 503,
  store_unavailable: 503,
  conflict_retries_exhausted: 503,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  too_many_waiters: 503,
};

/**
 * A 5xx body never carries an error's own message (it can name items, keys or
 * hosts): a fixed sentence per code, the details only in the log.
 */
export const SERVER_MESSAGES: Record<string, string> = {
  reply_timeout: 'no reply within the time limit; the command may still be applied (look it up by its key)',
  reply_wait_cancelled: 'the gateway stopped waiting for the reply (it is shutting down); the command may still be applied',
  store_unavailable: 'a backing service (SQS or DynamoDB) is unavailable; try again',
  conflict_retries_exhausted: 'the user is being changed by many writers at once; try again',
  too_many_waiters: 'too many requests are waiting for replies; try again, or send without ?wait=true',
};
const INTERNAL = { status: 500, body: { error: 'internal_error', message: 'internal error' } };

/** Node's socket error codes for "the store could not be reached": worth a 503 (try again), not a 500. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);
/** AWS SDK error names that mean the same (connection or request timeouts, throttling). */
const UNREACHABLE_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'ThrottlingException', 'ServiceUnavailable', 'InternalServerError']);

export function mapError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof InvalidRequestError) {
    return { status: 400, body: { error: error.code, message: error.message, issues: error.issues } };
  }
  if (error instanceof WalletError) {
    const status = STATUS_BY_CODE[error.code] ?? 500;
    if (status < 500) return { status, body: { error: error.code, message: error.message } };
    const message = SERVER_MESSAGES[error.code];
    return message === undefined ? INTERNAL : { status, body: { error: error.code, message } };
  }
  if (isUnreachable(error)) {
    return { status: 503, body: { error: 'store_unavailable', message: 'a backing service (SQS or DynamoDB) is unavailable' } };
  }
  // Fastify's own request errors (malformed JSON, wrong content type, body too large) carry a 4xx statusCode.
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (statusCode === 413) {
    return { status: 413, body: { error: 'payload_too_large', message: 'the request body is larger than the gateway accepts' } };
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, body: { error: 'bad_request', message: error instanceof Error ? error.message : 'bad request' } };
  }
  // Anything else is our bug or an unknown failure: say so without leaking internals (it is logged in full).
  return INTERNAL;
}

/** Whether a failure is one the service expects (logged without a stack trace) rather than a fault of ours. */
export function isExpectedFailure(error: unknown, status: number): boolean {
  if (status < 500) return true;
  return (error instanceof WalletError && SERVER_MESSAGES[error.code] !== undefined) || isUnreachable(error);
}

function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if ((code && UNREACHABLE_CODES.has(code)) || UNREACHABLE_NAMES.has(error.name)) return true;
  // The SDK wraps socket errors; AggregateError holds one per attempted address.
  const causes = [error.cause, ...(error instanceof AggregateError ? error.errors : [])];
  return causes.some((cause) => cause !== error && isUnreachable(cause));
}
