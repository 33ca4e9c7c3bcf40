import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.js';
import { UserNotFoundError } from '../errors.js';
import { heldAt, userFromItem } from '../ledger/items.js';
import { classifyStoreError } from '../ledger/store-errors.js';
import { formatCents } from '../money/money.js';

export interface QueryDeps {
  ddb: DynamoDBDocumentClient;
  config: Pick<Config, 'tables'>;
}

export interface Balance {
  userId: string;
  /** The posted balance: a decimal string in major units, two fractional digits ("74.50"). */
  balance: string;
  /** The balance less the open, unexpired holds: what debits, transfers and holds may use. */
  available: string;
  /** The sum of the open, unexpired holds. */
  held: string;
}

/** The user's balance as of now (strongly consistent); UserNotFoundError for an unknown user. */
export async function getCurrentBalance(deps: QueryDeps, { userId }: { userId: string }): Promise<Balance> {
  const { Item } = await deps.ddb
    .send(new GetCommand({ TableName: deps.config.tables.users, Key: { userId }, ConsistentRead: true }))
    .catch((error: unknown) => {
      throw classifyStoreError(error, 'GetItem');
    });
  if (!Item) throw new UserNotFoundError(userId);
  const user = userFromItem(Item);
  const held = heldAt(user, Date.now());
  return { userId, balance: formatCents(user.balance), available: formatCents(user.balance - held), held: formatCents(held) };
}
