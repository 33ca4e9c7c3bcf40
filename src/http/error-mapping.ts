import { InvalidRequestError, WalletError, type WalletErrorCode } from '../errors.js';
import type { ErrorBody } from './schemas.js';

/**
 * How the gateway answers each typed error, decided by `code`, never by
 * message text. Total over the code union: a new error class does not
 * compile until it is given an answer here. A 5xx body never carries an
 * error's own message (it can name items, keys or hosts): a fixed sentence
 * per code, the details only in the log; `internal` is the generic 500 for
 * what is a bug of ours or never reaches a request.
 */
type Answer = { status: 400 | 401 | 403 | 404 | 429 } | { status: 503 | 504; message: string } | 'internal';

export const ANSWER_BY_CODE: Record<WalletErrorCode, Answer> = {
  invalid_request: { status: 400 },
  user_not_found: { status: 404 },
  // A balance asked for before the wallet existed: there is no such balance.
  before_wallet_opened: { status: 404 },
  unauthorized: { status: 401 },
  forbidden: { status: 403 },
  rate_limited: { status: 429 },
  reply_timeout: { status: 504, message: 'no reply within the time limit; the command may still be applied (look it up by its key)' },
  // The gateway stopped waiting (it is shutting down; on a client disconnect nobody reads the answer).
  reply_wait_cancelled: {
    status: 503,
    message: 'the gateway stopped waiting for the reply (it is shutting down); the command may still be applied',
  },
  store_unavailable: { status: 503, message: 'a backing service (SQS or DynamoDB) is unavailable; try again' },
  conflict_retries_exhausted: { status: 503, message: 'the user is being changed by many writers at once; try again' },
  too_many_waiters: { status: 503, message: 'too many requests are waiting for replies; try again, or send without ?wait=true' },
  store_fault: 'internal',
  corrupt_item: 'internal',
  command_too_large: 'internal',
  unit_too_large: 'internal',
  invalid_money: 'internal',
  unknown_currency: 'internal',
  reply_too_large: 'internal',
  unsafe_bind: 'internal',
  invalid_config: 'internal',
  port_in_use: 'internal',
  dynamodb_local_start_failed: 'internal',
  dynamodb_launcher_build_failed: 'internal',
  embedded_stack_package_missing: 'internal',
  simulated_crash: 'internal',
  one_effect_violated: 'internal',
  no_running_stack: 'internal',
  redrive_incomplete: 'internal',
  usage: 'internal',
  bench_usage: 'internal',
  lean_sqs_attempt_failed: 'internal',
};

/**
 * The codes the gateway answers with besides the typed errors': Fastify's own
 * request errors (malformed JSON: 400; a content type it does not parse: 415;
 * a body too large: 413), an unknown route (the not-found handler), a fault.
 */
const GATEWAY_CODES = { bad_request: [400, 415], payload_too_large: [413], not_found: [404], internal_error: [500] } as const;

/** Every code an error body can carry (with a status: those answered with it), for the OpenAPI document. */
export function codesAnsweredWith(status?: number): [string, ...string[]] {
  const typed = Object.entries(ANSWER_BY_CODE).flatMap(([code, answer]) =>
    answer !== 'internal' && (status === undefined || answer.status === status) ? [code] : [],
  );
  const own = Object.entries(GATEWAY_CODES).flatMap(([code, statuses]) =>
    status === undefined || (statuses as readonly number[]).includes(status) ? [code] : [],
  );
  const [first, ...rest] = [...typed, ...own];
  if (first === undefined) throw new Error(`no error code is answered with ${status}`);
  return [first, ...rest];
}

const INTERNAL = { status: 500, body: { error: 'internal_error', message: 'internal error' } } satisfies {
  status: number;
  body: ErrorBody;
};

/** SDK failures arrive here already typed (classified at their call: aws-errors.ts); anything untyped is a fault. */
export function mapError(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof InvalidRequestError) {
    return { status: 400, body: { error: error.code, message: error.message, issues: error.issues } };
  }
  if (error instanceof WalletError) {
    const answer = ANSWER_BY_CODE[error.code];
    if (answer === 'internal') return INTERNAL;
    return { status: answer.status, body: { error: error.code, message: 'message' in answer ? answer.message : error.message } };
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
  return status < 500 || (error instanceof WalletError && ANSWER_BY_CODE[error.code] !== 'internal');
}
