/**
 * Every error class of the service, scripts included: one place to read what
 * can fail (STYLE 4, 12). Callers branch on `instanceof` or `code`, never on
 * message text; `retryable` says whether trying again later can succeed.
 * SDK errors are classified into these at the call that made them
 * (ledger/store-errors.ts for DynamoDB, queue/sqs-errors.ts for SQS).
 */

/** Every code a WalletError may carry. The HTTP status table is keyed by it, so a new code must be given a status. */
export type WalletErrorCode =
  | 'unknown_currency'
  | 'store_unavailable'
  | 'store_fault'
  | 'conflict_retries_exhausted'
  | 'corrupt_item'
  | 'command_too_large'
  | 'unit_too_large'
  | 'user_not_found'
  | 'before_wallet_opened'
  | 'invalid_request'
  | 'invalid_money'
  | 'reply_timeout'
  | 'reply_wait_cancelled'
  | 'reply_too_large'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'too_many_waiters'
  | 'unsafe_bind'
  | 'invalid_config'
  | 'port_in_use'
  | 'dynamodb_local_start_failed'
  | 'dynamodb_launcher_build_failed'
  | 'embedded_stack_package_missing'
  | 'no_running_stack'
  | 'simulated_crash'
  | 'one_effect_violated'
  | 'redrive_incomplete'
  | 'usage'
  | 'bench_usage'
  | 'lean_sqs_attempt_failed';

export abstract class WalletError extends Error {
  abstract readonly code: WalletErrorCode;
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

// --- The stores (DynamoDB, SQS) ---

/** DynamoDB or SQS could not be reached or answered with a transient failure. */
export class StoreUnavailableError extends WalletError {
  readonly code = 'store_unavailable' as const;
  readonly retryable = true;
}

/**
 * The store answered that this request is wrong (a bug, not an outage): the
 * worker retries the message a few times and then dead-letters it with the reason.
 */
export class StoreFaultError extends WalletError {
  readonly code = 'store_fault' as const;
  readonly retryable = true;
}

/**
 * A lean SQS call (net/lean-sqs-client.ts) got no HTTP 200: it never leaves
 * that module, which sends the call again through a plain SDK client.
 */
export class LeanSqsAttemptError extends WalletError {
  readonly code = 'lean_sqs_attempt_failed' as const;
  readonly retryable = true;
}

/** Other writers kept changing the user item; the command is left for redelivery. */
export class ConflictRetriesExhaustedError extends WalletError {
  readonly code = 'conflict_retries_exhausted' as const;
  readonly retryable = true;
}

/** A stored item does not have the shape this code writes (another tool changed it). */
export class CorruptItemError extends WalletError {
  readonly code = 'corrupt_item' as const;
  readonly retryable = false;
}

/** A command that needs more than one transaction may hold (actions or bytes): it can never be written. */
export class CommandTooLargeError extends WalletError {
  readonly code = 'command_too_large' as const;
  readonly retryable = false;
}

/** A write unit larger than one transaction may hold: its commands cannot be written together (round planning keeps this from happening). */
export class UnitTooLargeError extends WalletError {
  readonly code = 'unit_too_large' as const;
  readonly retryable = false;
}

// --- Requests and replies ---

export class UserNotFoundError extends WalletError {
  readonly code = 'user_not_found' as const;
  readonly retryable = false;
  constructor(readonly userId: string) {
    super(`user ${JSON.stringify(userId)} does not exist`);
  }
}

/** A balance was asked for an instant before the wallet existed (SPEC "Balances in time and statements"). */
export class BeforeWalletOpenedError extends WalletError {
  readonly code = 'before_wallet_opened' as const;
  readonly retryable = false;
  constructor(
    readonly userId: string,
    readonly at: string,
  ) {
    super(`user ${JSON.stringify(userId)} had no wallet yet at ${at}`);
  }
}

export class InvalidRequestError extends WalletError {
  readonly code = 'invalid_request' as const;
  readonly retryable = false;
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** Not an amount of money this service accepts (on the wire) or wrote (in a stored item). */
export class InvalidMoneyError extends WalletError {
  readonly code = 'invalid_money' as const;
  readonly retryable = false;
}

/** A currency code the table (src/money/currencies.ts) does not know. */
export class UnknownCurrencyError extends WalletError {
  readonly code = 'unknown_currency' as const;
  readonly retryable = false;
  constructor(readonly currency: string) {
    super(`not an active ISO 4217 currency with at most 3 fractional digits: ${JSON.stringify(currency)}`);
  }
}

/** A reply did not arrive within the caller's time limit (the command may still be applied later). */
export class ReplyTimeoutError extends WalletError {
  readonly code = 'reply_timeout' as const;
  readonly retryable = true;
}

/** The caller stopped waiting for a reply (its HTTP client went away, or the wallet closed); the command may still be applied. */
export class ReplyWaitCancelledError extends WalletError {
  readonly code = 'reply_wait_cancelled' as const;
  readonly retryable = false;
}

/** A reply too large to be one of ours; it is not sent (see reply-publisher.ts). */
export class ReplyTooLargeError extends WalletError {
  readonly code = 'reply_too_large' as const;
  readonly retryable = false;
  constructor(
    readonly bytes: number,
    limit: number,
  ) {
    super(`reply of ${bytes} bytes exceeds ${limit}`);
  }
}

// --- The gateway's callers ---

export class UnauthorizedError extends WalletError {
  readonly code = 'unauthorized' as const;
  readonly retryable = false;
}

export class ForbiddenError extends WalletError {
  readonly code = 'forbidden' as const;
  readonly retryable = false;
}

/** Too many requests from one principal in the rate-limit window (429 with Retry-After). */
export class RateLimitedError extends WalletError {
  readonly code = 'rate_limited' as const;
  readonly retryable = true;
}

/** Every waiter slot of this gateway process is taken (503): try again, or send without waiting. */
export class TooManyWaitersError extends WalletError {
  readonly code = 'too_many_waiters' as const;
  readonly retryable = true;
}

// --- Start-up: configuration, ports and the local stack ---

/** The gateway was asked to listen beyond loopback without authentication (see http/exposure.ts). */
export class UnsafeBindError extends WalletError {
  readonly code = 'unsafe_bind' as const;
  readonly retryable = false;
}

/** A bad environment variable; `variables` names each one at fault. */
export class ConfigError extends WalletError {
  readonly code = 'invalid_config' as const;
  readonly retryable = false;
  constructor(
    message: string,
    readonly variables: string[],
  ) {
    super(message);
  }
}

export class PortInUseError extends WalletError {
  readonly code = 'port_in_use' as const;
  readonly retryable = false;
  constructor(
    readonly port: number,
    readonly service: string,
    variable: string,
  ) {
    super(
      `port ${port} for ${service} is already in use on 127.0.0.1: stop whatever holds it or set ${variable} to another port` +
        ' (a running `npm start` is shared by createWallet() unless it is given shareRunningStack: false)',
    );
  }
}

export class DynamoDbLocalStartError extends WalletError {
  readonly code = 'dynamodb_local_start_failed' as const;
  readonly retryable = false;
}

export class DynamoDbLauncherBuildError extends WalletError {
  readonly code = 'dynamodb_launcher_build_failed' as const;
  readonly retryable = false;
}

/** The embedded stack (createWallet with no endpoint, the test kit) was asked for without its emulator packages. */
export class EmbeddedStackPackageMissingError extends WalletError {
  readonly code = 'embedded_stack_package_missing' as const;
  readonly retryable = false;
  constructor(
    readonly packageName: string,
    installCommand: string,
    options?: { cause?: unknown },
  ) {
    super(
      `the embedded stack needs the package ${packageName}, which is not installed: run \`${installCommand}\` ` +
        '(or set AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_DYNAMODB to use another stack)',
      options,
    );
  }
}

// --- The test kit (src/testing) ---

/** Thrown by the hook where a worker would have died; the worker leaves the message to SQS. */
export class SimulatedCrashError extends WalletError {
  readonly code = 'simulated_crash' as const;
  readonly retryable = true;
  constructor(readonly idempotentKey: string) {
    super(`simulated crash after the commit of ${JSON.stringify(idempotentKey)}, before its reply and delete`);
  }
}

/** An at-least-once guarantee that did not hold; `problems` says each way it did not. */
export class OneEffectError extends WalletError {
  readonly code = 'one_effect_violated' as const;
  readonly retryable = false;
  constructor(readonly problems: string[]) {
    super(`not exactly one effect:\n  ${problems.join('\n  ')}`);
  }
}

// --- Command-line scripts ---

/** A script that reads or changes the data of a running stack was started with none to use. */
export class NoRunningStackError extends WalletError {
  readonly code = 'no_running_stack' as const;
  readonly retryable = true;
  constructor(where: { host: string; sqsPort: number; dynamodbPort: number }) {
    super(
      `no running wallet stack on ${where.host} (SQS port ${where.sqsPort}, DynamoDB port ${where.dynamodbPort}): ` +
        'start one with `npm start` in another terminal, or set AWS_ENDPOINT_URL to use LocalStack',
    );
  }
}

/** `npm run dlq -- redrive` could not move every message back. */
export class RedriveIncompleteError extends WalletError {
  readonly code = 'redrive_incomplete' as const;
  readonly retryable = true;
}

/** A wrong command line: the script prints the message and its usage line and exits 2. */
export class UsageError extends WalletError {
  readonly code = 'usage' as const;
  readonly retryable = false;
}

/** A wrong bench flag or BENCH_* variable. */
export class BenchUsageError extends WalletError {
  readonly code = 'bench_usage' as const;
  readonly retryable = false;
}
