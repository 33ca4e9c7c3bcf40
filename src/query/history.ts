import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { InvalidRequestError } from '../errors.js';
import type { TransactionRecord } from '../ledger/model.js';
import { recordFromItem } from '../ledger/item-codec.js';
import { legKey, shownReference } from '../ledger/legs.js';
import { classifyStoreError } from '../ledger/store-errors.js';
import { isWalletCommandType } from '../messages/wallet-commands.js';
import { exponentOf } from '../money/currencies.js';
import { formatMoney } from '../money/money.js';
import { HISTORY_INDEX } from '../resources/definitions.js';
import type { QueryDeps } from './balance.js';
import type { HistoryEntry, HistoryPage } from './result-schemas.js';

/** What an entry and a page are: one schema each (result-schemas.ts), these types inferred from them. */
export type { HistoryEntry, HistoryPage } from './result-schemas.js';

export const DEFAULT_HISTORY_LIMIT = 20;
export const MAX_HISTORY_LIMIT = 100;

/**
 * A cursor is the index key of the last item of a page. A forged one must be a
 * 400, not a DynamoDB ValidationException: no empty key attribute, no key
 * longer than any stored one. A cursor that ends on a leg written before legs
 * had references of their own (keyed by the payer's key) carries only its
 * time: a user's times are unique, so the next page starts below it.
 */
const CursorSchema = z.strictObject({
  // Record keys: a command's key, or the key of another party's entry (a few characters longer).
  idempotentKey: z.string().min(1).max(300).optional(),
  userId: z.string().min(1),
  timestamp: z.string().min(1).max(64),
});
type Cursor = z.infer<typeof CursorSchema>;

/** A user's decided transactions, newest first, a page at a time (the userId + timestamp index). */
export async function listTransactions(
  deps: QueryDeps,
  { userId, limit = DEFAULT_HISTORY_LIMIT, cursor }: { userId: string; limit?: number; cursor?: string },
): Promise<HistoryPage> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) {
    throw new InvalidRequestError(`limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}`, [{ path: 'limit', message: 'out of range' }]);
  }
  const after = cursor === undefined ? undefined : decodeCursor(cursor, userId);
  const startKey = after?.idempotentKey === undefined ? undefined : after;
  const below = after !== undefined && after.idempotentKey === undefined ? after.timestamp : undefined;
  const { Items = [] } = await deps.ddb
    .send(
      new QueryCommand({
        TableName: deps.config.tables.transactions,
        IndexName: HISTORY_INDEX,
        KeyConditionExpression: below === undefined ? 'userId = :userId' : 'userId = :userId AND #timestamp < :below',
        ExpressionAttributeValues: { ':userId': userId, ...(below !== undefined && { ':below': below }) },
        ...(below !== undefined && { ExpressionAttributeNames: { '#timestamp': 'timestamp' } }),
        ScanIndexForward: false,
        // One more than asked: a cursor is returned only when an older entry really exists, so a full
        // last page does not hand out a cursor that leads to an empty page.
        Limit: limit + 1,
        ...(startKey && { ExclusiveStartKey: startKey }),
      }),
    )
    .catch((error: unknown) => {
      throw classifyStoreError(error, 'Query');
    });
  const page = Items.map((item) => recordFromItem(item)).slice(0, limit);
  const last = page.at(-1);
  // No filter on the query: every evaluated entry is returned, so a (limit + 1)th means there is more.
  const hasMore = Items.length > limit;
  return {
    items: page.map((record) => toEntry(record, deps.config.defaultCurrency)),
    ...(hasMore && last && { nextCursor: Buffer.from(JSON.stringify(cursorAfter(last))).toString('base64url') }),
  };
}

/** The cursor after an entry: its index key, unless that key is an old leg's (the payer's key): then its time only. */
function cursorAfter(record: TransactionRecord): Cursor {
  const payersKey = record.legOf !== undefined && record.idempotentKey === legKey(record.legOf);
  return { ...(!payersKey && { idempotentKey: record.idempotentKey }), userId: record.userId, timestamp: record.timestamp };
}

function decodeCursor(cursor: string, userId: string): Cursor {
  try {
    const key = CursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (key.userId === userId) return key;
  } catch {
    // fall through to the typed error below
  }
  throw new InvalidRequestError('cursor is not one returned for this user', [{ path: 'cursor', message: 'invalid' }]);
}

function toEntry(record: TransactionRecord, defaultCurrency: string): HistoryEntry {
  const currency = record.currency ?? defaultCurrency;
  const money = (mills: bigint) => formatMoney(mills, exponentOf(currency));
  const common = {
    idempotentKey: shownReference(record),
    transactionId: record.transactionId,
    userId: record.userId,
    type: record.type,
    currency,
    // Wallet commands move no money: no amount.
    ...(record.amount !== undefined && !isWalletCommandType(record.type) && { amount: money(record.amount) }),
    ...(record.toUserId !== undefined && { toUserId: record.toUserId }),
    // A leg's hold or original is the payer's key (legs written before they were left off): not shown.
    ...(record.holdKey !== undefined && record.legOf === undefined && { holdKey: record.holdKey }),
    ...(record.originalKey !== undefined && record.legOf === undefined && { originalKey: record.originalKey }),
    ...(record.expiresAt !== undefined && { expiresAt: record.expiresAt }),
    ...(record.counterpartyUserId !== undefined && { counterpartyUserId: record.counterpartyUserId }),
    ...(record.note !== undefined && { note: record.note }),
    ...(record.metadata !== undefined && { metadata: record.metadata }),
    timestamp: record.timestamp,
  };
  return record.status === 'applied'
    ? { ...common, status: 'applied', newBalance: money(record.newBalance), available: money(record.newBalance - record.newHeld) }
    : { ...common, status: 'rejected', reason: record.reason };
}
