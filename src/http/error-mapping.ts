import { InvalidRequestError, WalletError } from '../errors.js';

export interface ErrorBody {
  /** Stable machine-readable code (a WalletError's `code`, or `bad_request` / `internal_error`). */
  error: string;
  message: string;
  issues?: { path: string; message: string }[];
}

/** HTTP status per typed error code; decided by class and `code`, never by message text. */
const STATUS_BY_CODE: Record<string, number> = {
  invalid_request: 400,
  user_not_found: 404,
  reply_timeout: 504,
  // The gateway stopped waiting (it is shutting down; on a client disconnect nobody reads the answer).
  reply_wait_cancelled: 503,
  store_unavailable: 503,
  conflict_retries_exhausted: 503,
};

/** Node's socket error codes for "the store could not be reached": worth a 503 (try again), not a 500. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);
/** AWS SDK error names that mean the same (connection or request timeouts, throttling). */
const UNREACHABLE_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'ThrottlingException', 'ServiceUnavailable', 'InternalServerError']);

export function mapError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof InvalidRequestError) {
    return { status: 400, body: { error: error.code, message: error.message, issues: error.issues } };
  }
  if (error instanceof WalletError) {
    return { status: STATUS_BY_CODE[error.code] ?? 500, body: { error: error.code, message: error.message } };
  }
  if (isUnreachable(error)) {
    return { status: 503, body: { error: 'store_unavailable', message: 'a backing service (SQS or DynamoDB) is unavailable' } };
  }
  // Fastify's own request errors (malformed JSON, wrong content type, body too large) carry a 4xx statusCode.
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, body: { error: 'bad_request', message: error instanceof Error ? error.message : 'bad request' } };
  }
  // Anything else is our bug or an unknown failure: say so without leaking internals (it is logged in full).
  return { status: 500, body: { error: 'internal_error', message: 'internal error' } };
}

function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if ((code && UNREACHABLE_CODES.has(code)) || UNREACHABLE_NAMES.has(error.name)) return true;
  // The SDK wraps socket errors; AggregateError holds one per attempted address.
  const causes = [error.cause, ...(error instanceof AggregateError ? error.errors : [])];
  return causes.some((cause) => cause !== error && isUnreachable(cause));
}
