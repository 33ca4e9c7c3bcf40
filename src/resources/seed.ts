import { randomInt, randomUUID } from 'node:crypto';
import { PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.js';
import { newUserItem } from '../ledger/item-codec.js';
import { exponentOf } from '../money/currencies.js';
import { formatMoney, MILLS_PER_UNIT } from '../money/money.js';

export interface SeededUser {
  userId: string;
  currency: string;
  balance: string;
}

/** Opens `count` active wallets in WALLET_DEFAULT_CURRENCY with random ids and whole balances from 50 to 120 inclusive. */
export async function seedUsers(
  ddb: DynamoDBDocumentClient,
  config: Pick<Config, 'tables' | 'defaultCurrency'>,
  count = 10,
): Promise<SeededUser[]> {
  const currency = config.defaultCurrency;
  const now = new Date().toISOString();
  const users: SeededUser[] = [];
  for (let index = 0; index < count; index++) {
    const userId = randomUUID();
    const balance = BigInt(randomInt(50, 121)) * MILLS_PER_UNIT;
    await ddb.send(
      new PutCommand({
        TableName: config.tables.users,
        Item: newUserItem(userId, balance, now, currency),
        ConditionExpression: 'attribute_not_exists(userId)',
      }),
    );
    users.push({ userId, currency, balance: formatMoney(balance, exponentOf(currency)) });
  }
  return users;
}

/** Seeds only a Users table that has no item at all, so restarts never add users. */
export async function seedUsersIfEmpty(
  ddb: DynamoDBDocumentClient,
  config: Pick<Config, 'tables' | 'defaultCurrency'>,
): Promise<SeededUser[] | undefined> {
  const { Count = 0 } = await ddb.send(new ScanCommand({ TableName: config.tables.users, Limit: 1, Select: 'COUNT' }));
  return Count === 0 ? await seedUsers(ddb, config) : undefined;
}
