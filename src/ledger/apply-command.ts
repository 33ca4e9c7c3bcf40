import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, NumberValue, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Telemetry } from '../observability/telemetry.js';
import { ConflictRetriesExhaustedError, StoreUnavailableError } from '../errors.js';
import { commandCents, type Command } from '../messages/command.js';
import { formatCents } from '../money/money.js';
import { recordFromItem, recordToItem, userFromItem, withChainHash, type TransactionRecord, type UserState } from './items.js';
import type { UserStateCache } from './user-cache.js';

export type ApplyOutcome =
  | { kind: 'decided'; record: TransactionRecord; replayed: boolean }
  | { kind: 'key_reused'; command: Command; decidedAt: string };

export interface LedgerDeps {
  ddb: DynamoDBDocumentClient;
  config: Pick<Config, 'tables' | 'maxConflictRetries'>;
  logger: Logger;
  /** Known user states; with a hit the happy path is one transaction and no read. */
  userCache?: UserStateCache;
  telemetry?: Pick<Telemetry, 'conflictRetry'>;
}

/**
 * Applies one command exactly once. The Transactions record (conditional on
 * its key being new) and the user update (conditional on the user item being
 * exactly as read) are one TransactWriteItems, so a command is either fully
 * decided or not at all. When the key exists, the stored outcome is returned.
 *
 * Happy path: one consistent read of the user (none when the cache knows
 * it), one transaction.
 */
export async function applyCommand(deps: LedgerDeps, command: Command): Promise<ApplyOutcome> {
  const { userCache } = deps;
  const amount = commandCents(command);
  let user = userCache?.get(command.userId) ?? (await readUser(deps, command.userId));
  for (let attempt = 0; attempt <= deps.config.maxConflictRetries; attempt++) {
    const record = withChainHash(decide(command, amount, user), user?.chainHash);
    let failure: WriteResult;
    try {
      failure = await writeDecision(deps, record, user);
    } catch (error) {
      userCache?.forget(command.userId);
      throw error;
    }
    if (failure.kind === 'written') {
      if (user) {
        userCache?.set(record.status === 'applied' ? { ...user, balance: record.newBalance, version: record.version, updatedAt: record.timestamp, ...(record.hash && { chainHash: record.hash }) } : user);
      }
      return { kind: 'decided', record, replayed: false };
    }
    if (failure.kind === 'key_exists') {
      // Our own transactionId means this very attempt committed (a retried request): not a replay.
      return isSameCommand(failure.stored, command, amount)
        ? { kind: 'decided', record: failure.stored, replayed: failure.stored.transactionId !== record.transactionId }
        : { kind: 'key_reused', command, decidedAt: new Date().toISOString() };
    }
    if (failure.kind === 'user_changed') {
      // The cancellation handed back the user item as it is now: retry on it without another read.
      user = failure.current;
      if (user) userCache?.set(user);
      else userCache?.forget(command.userId);
    } else {
      userCache?.forget(command.userId);
      await sleep(backoffMs(attempt));
      user = await readUser(deps, command.userId);
    }
    deps.logger.debug({ attempt, reason: failure.kind }, 'optimistic check failed, retrying');
    deps.telemetry?.conflictRetry();
  }
  throw new ConflictRetriesExhaustedError(`user ${command.userId} kept changing over ${deps.config.maxConflictRetries} retries`);
}

/** Decides the outcome against the user as read; the write's conditions make sure it still holds. */
function decide(command: Command, amount: bigint, user: UserState | undefined): TransactionRecord {
  const base = {
    idempotentKey: command.idempotentKey,
    transactionId: randomUUID(),
    userId: command.userId,
    type: command.type,
    amount,
    timestamp: nextTimestamp(user),
  };
  if (!user) return { ...base, status: 'rejected', reason: 'user_not_found' };
  const newBalance = command.type === 'credit' ? user.balance + amount : user.balance - amount;
  if (newBalance < 0n) return { ...base, status: 'rejected', reason: 'insufficient_funds' };
  return { ...base, status: 'applied', newBalance, version: user.version + 1 };
}

type WriteResult =
  | { kind: 'written' }
  | { kind: 'key_exists'; stored: TransactionRecord }
  | { kind: 'user_changed'; current: UserState | undefined }
  | { kind: 'conflict' };

async function writeDecision(deps: LedgerDeps, record: TransactionRecord, user: UserState | undefined): Promise<WriteResult> {
  const { tables } = deps.config;
  try {
    await deps.ddb.send(new TransactWriteCommand({ TransactItems: decisionTransactItems(tables, record, user) }));
    return { kind: 'written' };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw asStoreError(error);
    const [keyCheck, userCheck] = error.CancellationReasons ?? [];
    if (keyCheck?.Code === 'ConditionalCheckFailed' && keyCheck.Item) {
      return { kind: 'key_exists', stored: recordFromItem(unmarshall(keyCheck.Item, { wrapNumbers: true })) };
    }
    if (userCheck?.Code === 'ConditionalCheckFailed') {
      return { kind: 'user_changed', current: userCheck.Item ? userFromItem(unmarshall(userCheck.Item, { wrapNumbers: true })) : undefined };
    }
    const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
    if (codes.every((code) => code === 'None' || code === 'TransactionConflict')) return { kind: 'conflict' };
    throw new StoreUnavailableError(`transaction cancelled: ${codes.join(',')}`, { cause: error });
  }
}

/**
 * The one TransactWriteItems that records a decision: the Transactions record,
 * only if its key is new, and the user operation below. Exported so the
 * benchmark's ceiling measures exactly this write.
 */
export function decisionTransactItems(tables: Config['tables'], record: TransactionRecord, user: UserState | undefined) {
  return [
    {
      Put: {
        TableName: tables.transactions,
        Item: recordToItem(record),
        ConditionExpression: 'attribute_not_exists(idempotentKey)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      },
    },
    userOperation(tables.users, record, user),
  ];
}

/**
 * The second half of the transaction: the balance update for an applied
 * record, otherwise a check that the user is still exactly as the rejection
 * saw it (so a rejection is never recorded from a stale read).
 */
function userOperation(usersTable: string, record: TransactionRecord, user: UserState | undefined) {
  const key = { userId: record.userId };
  if (!user) {
    return { ConditionCheck: { TableName: usersTable, Key: key, ConditionExpression: 'attribute_not_exists(userId)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } };
  }
  const unchanged = `attribute_exists(userId) AND balance = :seenBalance AND ${user.version === 0 ? '(attribute_not_exists(version) OR version = :seenVersion)' : 'version = :seenVersion'}`;
  const seen = { ':seenBalance': NumberValue.from(formatCents(user.balance)), ':seenVersion': user.version };
  if (record.status === 'rejected') {
    return {
      ConditionCheck: { TableName: usersTable, Key: key, ConditionExpression: unchanged, ExpressionAttributeValues: seen, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const },
    };
  }
  return {
    Update: {
      TableName: usersTable,
      Key: key,
      UpdateExpression: `SET balance = :newBalance, version = :newVersion, updatedAt = :now${record.hash ? ', chainHash = :chainHash' : ''}`,
      // Never negative, stated on the item itself as well as implied by the unchanged balance.
      ConditionExpression: record.type === 'debit' ? `${unchanged} AND balance >= :amount` : unchanged,
      ExpressionAttributeValues: {
        ...seen,
        ':newBalance': NumberValue.from(formatCents(record.newBalance)),
        ':newVersion': record.version,
        ':now': record.timestamp,
        ...(record.hash && { ':chainHash': record.hash }),
        ...(record.type === 'debit' && { ':amount': NumberValue.from(formatCents(record.amount)) }),
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
}

async function readUser(deps: LedgerDeps, userId: string): Promise<UserState | undefined> {
  try {
    const { Item } = await deps.ddb.send(new GetCommand({ TableName: deps.config.tables.users, Key: { userId }, ConsistentRead: true }));
    return Item ? userFromItem(Item) : undefined;
  } catch (error) {
    throw asStoreError(error);
  }
}

/** Same command = same user, type and amount (compared as money: "10" and "10.00" are one amount). */
function isSameCommand(stored: TransactionRecord, command: Command, amount: bigint): boolean {
  return stored.userId === command.userId && stored.type === command.type && stored.amount === amount;
}

/**
 * Decision times strictly increase per user, even across workers with skewed
 * clocks, so the history index lists a user's transactions in ledger order.
 */
function nextTimestamp(user: UserState | undefined): string {
  const now = Date.now();
  const last = user?.updatedAt ? Date.parse(user.updatedAt) : Number.NaN;
  return new Date(Number.isFinite(last) && last >= now ? last + 1 : now).toISOString();
}

function backoffMs(attempt: number): number {
  return Math.random() * Math.min(200, 5 * 2 ** attempt);
}

function asStoreError(error: unknown): Error {
  if (error instanceof StoreUnavailableError) return error;
  const name = error instanceof Error ? error.name : 'Unknown';
  return new StoreUnavailableError(`DynamoDB call failed (${name})`, { cause: error });
}
