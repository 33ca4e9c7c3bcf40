import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { newUserItem } from '../ledger/item-codec.js';
import { parseStoredNumber } from '../money/money.js';
import type { Wallet } from '../wallet.js';

export interface SeedWalletOptions {
  /** Opening balance, a decimal string (default "0.00"). */
  balance?: string;
  /** Default: `user-<uuid>`, so every test has users of its own. */
  userId?: string;
}

/**
 * Creates a wallet (a user) with an opening balance and returns its id: the
 * public way for tests to get a user to move money for.
 *
 * Today it writes the user item exactly as `npm run init-tables` seeds one
 * (no ledger entry: the balance is the opening balance). When the `open`
 * command lands it will send `open` and then a `credit` of the balance
 * instead; the signature and what a test can rely on stay the same (the
 * wallet exists, `getCurrentBalance` answers `balance`), so take the
 * balance before your command from `getCurrentBalance`, not from the history.
 */
export async function seedWallet(
  wallet: Wallet,
  { balance = '0.00', userId = `user-${randomUUID()}` }: SeedWalletOptions = {},
): Promise<string> {
  const now = new Date().toISOString();
  await wallet.clients.ddb.send(
    new PutCommand({
      TableName: wallet.config.tables.users,
      Item: newUserItem(userId, parseStoredNumber(balance), now, wallet.config.defaultCurrency),
      ConditionExpression: 'attribute_not_exists(userId)',
    }),
  );
  return userId;
}
