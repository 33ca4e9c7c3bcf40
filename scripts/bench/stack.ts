import { DeleteTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Logger } from 'pino';
import { loadConfig } from '../../src/config.js';
import type { UserState } from '../../src/ledger/model.js';
import { newUserItem, userFromItem } from '../../src/ledger/item-codec.js';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../src/local-stack/dynamodb-local.js';
import { findFreePort } from '../../src/net/ports.js';
import { startSqsEmulator, type SqsEmulator } from '../../src/local-stack/sqs-emulator.js';
import { createWallet, type Wallet } from '../../src/wallet.js';
import { itemSize, type AttributeValue } from './capacity.js';

export interface BenchStack {
  endpoints: { sqs: string; dynamodb: string };
  dynamodbPid: number;
  stop(): Promise<void>;
}

/**
 * fauxqs in this (driver) process and DynamoDB Local as a child JVM, both on
 * free ports so the bench never clashes with a running `npm start` or tests.
 */
export async function startBenchStack(logger: Logger, heapMb: number): Promise<BenchStack> {
  const sqs: SqsEmulator = await startSqsEmulator({ port: await findFreePort(), region: 'us-east-1' });
  let dynamodb: DynamoDbLocal;
  try {
    dynamodb = await startDynamoDbLocal({ port: await findFreePort(), heapMb, logger });
  } catch (error) {
    await sqs.stop();
    throw error;
  }
  return {
    endpoints: { sqs: sqs.endpoint, dynamodb: dynamodb.endpoint },
    dynamodbPid: dynamodb.pid,
    async stop() {
      await Promise.allSettled([dynamodb.stop(), sqs.stop()]);
    },
  };
}

/**
 * Environment of one bench phase: its own queues and tables, so a phase
 * starts on empty tables (DynamoDB Local slows as tables grow) and never
 * reads another phase's replies. Worker processes get the same variables.
 */
export function phaseEnv(stack: BenchStack, phase: string, tuning: Record<string, string> = {}): Record<string, string> {
  // Labels like "ceiling u=1" become valid queue and table names.
  const prefix = `bench-${phase.replace(/[^A-Za-z0-9-]+/g, '-')}`.slice(0, 60);
  return {
    AWS_ENDPOINT_URL_SQS: stack.endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    WALLET_COMMAND_QUEUE: `${prefix}-commands`,
    WALLET_REPLY_QUEUE: `${prefix}-replies`,
    WALLET_DEAD_LETTER_QUEUE: `${prefix}-dlq`,
    WALLET_USERS_TABLE: `${prefix}-Users`,
    WALLET_TRANSACTIONS_TABLE: `${prefix}-Transactions`,
    // Short long polls so the consumers' tail ends quickly once the queue is drained.
    WALLET_WAIT_TIME_SECONDS: '1',
    LOG_LEVEL: 'warn',
    ...tuning,
  };
}

/** A wallet (clients, queues, tables created) for one phase, driven from this process. */
export async function openPhase(env: Record<string, string>, logger: Logger): Promise<Wallet> {
  return createWallet({ config: loadConfig(env), logger });
}

/** Opening balance of every bench user: large enough that no debit is refused. */
export const OPENING_BALANCE_CENTS = 1_000_000_000_000n;

/** Users of the warm-up before each measured run, none of the run's own (spread, so the one-transaction design warms up as fast as the grouped one). */
export const WARMUP_USERS: readonly string[] = Array.from({ length: 20 }, (_, index) => `bench-warmup-${index}`);

export function benchUserIds(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `bench-user-${String(index).padStart(5, '0')}`);
}

/** Creates the users 25 at a time (BatchWriteItem), retrying what DynamoDB hands back. */
export async function seedBenchUsers(wallet: Wallet, userIds: readonly string[]): Promise<void> {
  const now = new Date().toISOString();
  for (let start = 0; start < userIds.length; start += 25) {
    let requests = userIds
      .slice(start, start + 25)
      .map((userId) => ({ PutRequest: { Item: newUserItem(userId, OPENING_BALANCE_CENTS, now, wallet.config.defaultCurrency) } }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await wallet.clients.ddb.send(
        new BatchWriteCommand({ RequestItems: { [wallet.config.tables.users]: requests } }),
      );
      requests = (UnprocessedItems?.[wallet.config.tables.users] ?? []) as typeof requests;
    }
  }
}

/** A user as stored, with its size in bytes (what DynamoDB charges each Update of it on). */
export async function readUserItem(wallet: Wallet, userId: string): Promise<{ user?: UserState; bytes: number }> {
  // The low-level read: the marshalled item is what DynamoDB sizes.
  const { Item } = await wallet.clients.ddb.send(
    new GetItemCommand({ TableName: wallet.config.tables.users, Key: { userId: { S: userId } }, ConsistentRead: true }),
  );
  if (!Item) return { bytes: 0 };
  return { user: userFromItem(unmarshall(Item, { wrapNumbers: true })), bytes: itemSize(Item as Record<string, AttributeValue>) };
}

/**
 * Ends a phase: deletes its tables and queues, then closes the wallet.
 * DynamoDB Local keeps every table in the JVM's heap, so tables left behind
 * by earlier phases would make later ones pay for a fuller heap (more GC).
 */
export async function closePhase(wallet: Wallet): Promise<void> {
  const { tables } = wallet.config;
  await Promise.allSettled([
    ...[tables.users, tables.transactions].map((TableName) => wallet.clients.ddb.send(new DeleteTableCommand({ TableName }))),
    ...Object.values(wallet.queueUrls).map((QueueUrl) => wallet.clients.sqs.send(new DeleteQueueCommand({ QueueUrl }))),
  ]);
  await wallet.close();
}
