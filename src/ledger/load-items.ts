import { BatchGetCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.js';
import { type CorruptItemError, StoreUnavailableError } from '../errors.js';
import type { Item, TransactionRecord, UserState } from './model.js';
import { parseRecord, parseUser } from './item-codec.js';
import { classifyStoreError } from './store-errors.js';

/** An item as loaded: its state, null when it does not exist, or the reason it can never be used. */
export type Loaded<T> = T | null | CorruptItemError;

const BATCH_GET_LIMIT = 100;
/** How often keys DynamoDB left unprocessed are asked for again before the read counts as throttled. */
const UNPROCESSED_TRIES = 6;

/** Reads users with strongly consistent BatchGetItem calls. */
export async function loadUsers(
  ddb: DynamoDBDocumentClient,
  tables: Config['tables'],
  userIds: readonly string[],
  abortSignal?: AbortSignal,
): Promise<Map<string, Loaded<UserState>>> {
  return loadItems(ddb, tables.users, 'userId', userIds, parseUser, abortSignal);
}

/** Reads the records commands refer to (holds, originals) with strongly consistent BatchGetItem calls. */
export async function loadRecords(
  ddb: DynamoDBDocumentClient,
  tables: Config['tables'],
  keys: readonly string[],
  abortSignal?: AbortSignal,
): Promise<Map<string, Loaded<TransactionRecord>>> {
  return loadItems(ddb, tables.transactions, 'idempotentKey', keys, parseRecord, abortSignal);
}

async function loadItems<T>(
  ddb: DynamoDBDocumentClient,
  table: string,
  keyName: string,
  ids: readonly string[],
  parse: (item: Item) => T | CorruptItemError,
  abortSignal: AbortSignal | undefined,
): Promise<Map<string, Loaded<T>>> {
  const loaded = new Map<string, Loaded<T>>(ids.map((id) => [id, null]));
  for (let start = 0; start < ids.length; start += BATCH_GET_LIMIT) {
    let keys: Record<string, unknown>[] = ids.slice(start, start + BATCH_GET_LIMIT).map((id) => ({ [keyName]: id }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      let response: BatchGetCommandOutput;
      try {
        response = await ddb.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }), {
          abortSignal,
        });
      } catch (error) {
        throw classifyStoreError(error, 'BatchGetItem');
      }
      for (const item of response.Responses?.[table] ?? []) {
        const id = item[keyName];
        if (typeof id === 'string') loaded.set(id, parse(item));
      }
      keys = response.UnprocessedKeys?.[table]?.Keys ?? [];
      // Keys left unread are throttled reads: past a few tries that is store pressure, handled like an outage.
      if (keys.length > 0 && attempt + 1 >= UNPROCESSED_TRIES)
        throw new StoreUnavailableError(`DynamoDB left ${keys.length} keys of ${table} unread ${UNPROCESSED_TRIES} times (throttled)`);
      if (keys.length > 0) await sleep(Math.min(1_000, 20 * 2 ** attempt));
    }
  }
  return loaded;
}
