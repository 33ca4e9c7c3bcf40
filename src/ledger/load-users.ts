import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.js';
import { CorruptItemError } from '../errors.js';
import { userFromItem, type Item, type UserState } from './items.js';
import { classifyStoreError } from './store-errors.js';

/** A user as loaded: its state, null when it does not exist, or the reason its item can never be used. */
export type LoadedUser = UserState | null | CorruptItemError;

const BATCH_GET_LIMIT = 100;

/** Reads users with strongly consistent BatchGetItem calls (100 keys each), retrying unprocessed keys. */
export async function loadUsers(ddb: DynamoDBDocumentClient, tables: Config['tables'], userIds: readonly string[]): Promise<Map<string, LoadedUser>> {
  const loaded = new Map<string, LoadedUser>(userIds.map((userId) => [userId, null]));
  for (let start = 0; start < userIds.length; start += BATCH_GET_LIMIT) {
    let keys: Record<string, unknown>[] = userIds.slice(start, start + BATCH_GET_LIMIT).map((userId) => ({ userId }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      let response;
      try {
        response = await ddb.send(new BatchGetCommand({ RequestItems: { [tables.users]: { Keys: keys, ConsistentRead: true } } }));
      } catch (error) {
        throw classifyStoreError(error, 'BatchGetItem');
      }
      for (const item of response.Responses?.[tables.users] ?? []) {
        const userId = typeof item.userId === 'string' ? item.userId : undefined;
        if (userId !== undefined) loaded.set(userId, parseUser(item));
      }
      keys = response.UnprocessedKeys?.[tables.users]?.Keys ?? [];
      if (keys.length > 0) await sleep(Math.min(1_000, 20 * 2 ** attempt));
    }
  }
  return loaded;
}

export function parseUser(item: Item): UserState | CorruptItemError {
  try {
    return userFromItem(item);
  } catch (error) {
    if (error instanceof CorruptItemError) return error;
    throw error;
  }
}
