import { formatMoney } from '../../src/money/money.js';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LedgerEngine, type EngineDeps, type EngineResult } from '../../src/ledger/engine.js';
import { createLogger } from '../../src/logger.js';
import type { Command } from '../../src/messages/command.js';
import type { Wallet } from '../../src/wallet.js';
import { uniqueKey } from './wallet.js';

/**
 * Drives the ledger engine directly (no queue) against the test's own
 * client, and injects store behaviour at that client's SDK middleware.
 */

export const credit = (userId: string, amount: string, idempotentKey = uniqueKey('c')): Command => ({
  idempotentKey,
  userId,
  type: 'credit',
  amount,
});
export const debit = (userId: string, amount: string, idempotentKey = uniqueKey('d')): Command => ({
  idempotentKey,
  userId,
  type: 'debit',
  amount,
});
export const transfer = (userId: string, toUserId: string, amount: string, idempotentKey = uniqueKey('t')): Command => ({
  idempotentKey,
  userId,
  toUserId,
  type: 'transfer',
  amount,
});
export const reverse = (userId: string, originalKey: string, idempotentKey = uniqueKey('r')): Command => ({
  idempotentKey,
  userId,
  originalKey,
  type: 'reverse',
});

export function engineFor(w: Wallet, defer: (cleanup: () => Promise<void>) => void, deps: Partial<EngineDeps> = {}): LedgerEngine {
  const engine = new LedgerEngine({ ddb: w.clients.ddb, config: w.config, logger: createLogger('silent'), ...deps });
  defer(() => engine.stop());
  return engine;
}

/** A result as one short line: `applied 1100`, `insufficient_funds`, `poison`, `failed conflict_retries_exhausted`. */
export function describeResult(result: EngineResult | undefined): string {
  if (!result) return 'none';
  if (result.kind === 'failed') return `failed ${result.error.code}`;
  if (result.kind !== 'decided') return result.kind;
  const { outcome } = result;
  if (outcome.kind === 'key_reused') return 'idempotency_key_reused';
  const { record } = outcome;
  return `${record.status === 'applied' ? `applied ${formatMoney(record.newBalance, 2)}` : record.reason}${outcome.replayed ? ' replayed' : ''}`;
}

/** The TransactWriteItems inputs the client sends, each handed to `intercept` above the SDK's retries. */
export function onTransactions(
  ddb: DynamoDBDocumentClient,
  intercept: (send: () => Promise<unknown>, input: { TransactItems: Record<string, unknown>[] }) => Promise<unknown>,
): void {
  ddb.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      const input = (args as { input: { TransactItems: Record<string, unknown>[] } }).input;
      return (await intercept(() => next(args), input)) as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', name: `onTransactions-${uniqueKey()}`, priority: 'high' },
  );
}

/** Which action of a TransactWriteItems input writes or checks the user (its Update or ConditionCheck on the Users table). */
export function userActionIndex(input: { TransactItems: Record<string, unknown>[] }, usersTable: string, userId: string): number {
  return input.TransactItems.findIndex((action) => {
    const body = (action.Update ?? action.ConditionCheck) as { TableName?: string; Key?: { userId?: string } } | undefined;
    return body?.TableName === usersTable && body.Key?.userId === userId;
  });
}

/**
 * Cancels every transaction that writes `userId` as DynamoDB does when that
 * item's partition is throttled (ThrottlingError on its action, None on the
 * others), while `active()` holds. DynamoDB Local never throttles.
 */
export function throttleUser(w: Wallet, userId: string, active: () => boolean): { throttled(): number } {
  let throttled = 0;
  onTransactions(w.clients.ddb, async (send, input) => {
    const index = userActionIndex(input, w.config.tables.users, userId);
    if (index < 0 || !active()) return send();
    throttled++;
    throw new TransactionCanceledException({
      message: 'Transaction cancelled (injected throttling)',
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: input.TransactItems.map((_, at) =>
        at === index
          ? { Code: 'ThrottlingError', Message: 'Throughput exceeds the current capacity for one or more global secondary indexes' }
          : { Code: 'None' },
      ),
    });
  });
  return { throttled: () => throttled };
}

/**
 * Another writer changes `userId` (its version only) just before each
 * transaction that writes it is sent, while `active()` holds: the
 * transaction cancels on that user's condition alone.
 */
export function contendUser(w: Wallet, userId: string, active: () => boolean): { changes(): number } {
  let changes = 0;
  onTransactions(w.clients.ddb, async (send, input) => {
    if (active() && userActionIndex(input, w.config.tables.users, userId) >= 0) {
      changes++;
      await bumpVersion(w, userId);
    }
    return send();
  });
  return { changes: () => changes };
}

/** What another writer of `userId` does: changes its version and nothing else, so a transaction conditional on it cancels. */
export async function bumpVersion(w: Wallet, userId: string): Promise<void> {
  await w.clients.ddb.send(
    new UpdateCommand({
      TableName: w.config.tables.users,
      Key: { userId },
      UpdateExpression: 'ADD version :one',
      ExpressionAttributeValues: { ':one': 1 },
    }),
  );
}

/** The promise's value, or an error naming `what` when it takes longer than `ms` (a wedged engine fails the test instead of hanging it). */
export async function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
