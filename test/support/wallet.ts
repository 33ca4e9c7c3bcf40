import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createWallet, type Wallet } from '../../src/wallet.js';

/**
 * Environment for a wallet on the run's shared embedded stack, with queues of
 * its own (so test files never read each other's replies) and fast timings.
 */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const endpoints = inject('endpoints');
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  return {
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    WALLET_COMMAND_QUEUE: `${prefix}-commands`,
    WALLET_REPLY_QUEUE: `${prefix}-replies`,
    WALLET_DEAD_LETTER_QUEUE: `${prefix}-dlq`,
    WALLET_WAIT_TIME_SECONDS: '1',
    WALLET_VISIBILITY_TIMEOUT_SECONDS: '5',
    WALLET_RETRY_BASE_SECONDS: '1',
    WALLET_POLLERS: '2',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig(testEnv(overrides));
}

export async function createTestWallet(overrides: Record<string, string> = {}): Promise<Wallet> {
  const config = testConfig(overrides);
  return createWallet({ config, logger: createLogger(config.logLevel, 'test') });
}

/** A fresh user with the seed's attributes only (as other tools create them). */
export async function createUser(wallet: Wallet, balance: string, userId = `user-${randomUUID()}`): Promise<string> {
  const now = new Date().toISOString();
  await wallet.clients.ddb.send(
    new PutCommand({
      TableName: wallet.config.tables.users,
      Item: { userId, balance: NumberValue.from(balance), createdAt: now, updatedAt: now },
    }),
  );
  return userId;
}

export function uniqueKey(label = 'key'): string {
  return `${label}-${randomUUID()}`;
}

/** Environment that points another process (a script, a worker) at this wallet's endpoints and queues. */
export function envFor(wallet: Wallet, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SQS: wallet.config.endpoints.sqs ?? '',
    AWS_ENDPOINT_URL_DYNAMODB: wallet.config.endpoints.dynamodb ?? '',
    WALLET_COMMAND_QUEUE: wallet.config.queues.command,
    WALLET_REPLY_QUEUE: wallet.config.queues.reply,
    WALLET_DEAD_LETTER_QUEUE: wallet.config.queues.deadLetter,
    ...overrides,
  };
}
