import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { UserNotFoundError } from '../errors.js';
import type { Item, UserState } from '../ledger/model.js';
import { userFromItem } from '../ledger/item-codec.js';
import { classifyStoreError } from '../ledger/store-errors.js';
import type { Cents } from '../money/money.js';
import { HISTORY_INDEX } from '../resources/definitions.js';
import type { QueryDeps } from './balance.js';
import type { KeyRange } from './instants.js';

/**
 * The reads behind balances (now and in time) and statements: the wallet's
 * user item, and a wallet's entries between two sort keys
 * (src/query/instants.ts), a page at a time. Nothing here holds more than
 * one page.
 */

export interface WalletFacts {
  userId: string;
  currency: string;
  /** When the wallet came into being (its item's `createdAt`), when known. */
  createdAtMs?: number;
  /** The posted balance now: the balance at any time when the wallet has no entries. */
  balance: Cents;
}

/** The wallet's user item as stored and as read (strongly consistent); UserNotFoundError for an unknown user. */
export async function readUser(deps: QueryDeps, userId: string): Promise<{ item: Item; user: UserState }> {
  const { Item } = await deps.ddb
    .send(new GetCommand({ TableName: deps.config.tables.users, Key: { userId }, ConsistentRead: true }))
    .catch((error: unknown) => {
      throw classifyStoreError(error, 'GetItem');
    });
  if (!Item) throw new UserNotFoundError(userId);
  return { item: Item, user: userFromItem(Item) };
}

/** What balances in time and statements need of the wallet's user item (readUser). */
export async function readWallet(deps: QueryDeps, userId: string): Promise<WalletFacts> {
  const { item, user } = await readUser(deps, userId);
  const createdAtMs = typeof item.createdAt === 'string' ? Date.parse(item.createdAt) : Number.NaN;
  return {
    userId,
    currency: user.currency ?? deps.config.defaultCurrency,
    ...(Number.isFinite(createdAtMs) && { createdAtMs }),
    balance: user.balance,
  };
}

export interface EntryPagesOptions {
  newestFirst: boolean;
  /** `applied`: money-moving entries only; `stateful`: any entry that records the wallet's state after it. */
  only: 'applied' | 'stateful';
  /** Items DynamoDB evaluates per request; the first request may ask fewer (one, for "the last entry before"). */
  pageSize: number;
  firstPageSize?: number;
  startKey?: Item;
}

/**
 * A wallet's entries in `range`, in ledger order (or its reverse), one
 * DynamoDB page per step. The filter runs after the limit, so a page may be
 * short or empty while more follow: the generator keeps going until the
 * range is exhausted or the caller stops.
 */
export async function* entryPages(deps: QueryDeps, userId: string, range: KeyRange, options: EntryPagesOptions): AsyncGenerator<Item[]> {
  const { condition, values } = keyCondition(range);
  const filter = options.only === 'applied' ? '#status = :applied' : 'attribute_exists(newBalance)';
  let startKey = options.startKey;
  let limit = options.firstPageSize ?? options.pageSize;
  do {
    const page = await deps.ddb
      .send(
        new QueryCommand({
          TableName: deps.config.tables.transactions,
          IndexName: HISTORY_INDEX,
          KeyConditionExpression: `userId = :userId AND ${condition}`,
          FilterExpression: filter,
          ExpressionAttributeNames: { '#ts': 'timestamp', ...(options.only === 'applied' && { '#status': 'status' }) },
          ExpressionAttributeValues: {
            ':userId': userId,
            ...values,
            ...(options.only === 'applied' && { ':applied': 'applied' }),
          },
          ScanIndexForward: !options.newestFirst,
          Limit: limit,
          ...(startKey && { ExclusiveStartKey: startKey }),
        }),
      )
      .catch((error: unknown) => {
        throw classifyStoreError(error, 'Query');
      });
    yield page.Items ?? [];
    startKey = page.LastEvaluatedKey;
    limit = options.pageSize;
  } while (startKey);
}

/** One key condition on the sort key: BETWEEN for a closed range, else the one bound given. */
function keyCondition({ from, through, above, below }: KeyRange): { condition: string; values: Record<string, string> } {
  if (from !== undefined && through !== undefined)
    return { condition: '#ts BETWEEN :from AND :through', values: { ':from': from, ':through': through } };
  if (through !== undefined) return { condition: '#ts <= :through', values: { ':through': through } };
  if (below !== undefined) return { condition: '#ts < :below', values: { ':below': below } };
  if (from !== undefined) return { condition: '#ts >= :from', values: { ':from': from } };
  if (above !== undefined) return { condition: '#ts > :above', values: { ':above': above } };
  throw new Error('entry query: a range needs a bound');
}

/** The first entry the pages yield, reading no further than needed. */
export async function firstEntry(pages: AsyncGenerator<Item[]>): Promise<Item | undefined> {
  for await (const items of pages) {
    if (items[0]) {
      await pages.return(undefined);
      return items[0];
    }
  }
  return undefined;
}

/** The index key of an entry: where the next page starts after it. */
export function indexKeyOf(item: Item): Item {
  return { idempotentKey: item.idempotentKey, userId: item.userId, timestamp: item.timestamp };
}
