/**
 * Typed errors of the service. Callers branch on `instanceof` or `code`, never
 * on message text; `retryable` says whether trying again later can succeed.
 */
export abstract class WalletError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** DynamoDB or SQS could not be reached or answered with a transient failure. */
export class StoreUnavailableError extends WalletError {
  readonly code = 'store_unavailable' as const;
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

export class UserNotFoundError extends WalletError {
  readonly code = 'user_not_found' as const;
  readonly retryable = false;
  constructor(readonly userId: string) {
    super(`user ${JSON.stringify(userId)} does not exist`);
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
