import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Item } from './model.js';
import type { StoreFaultError, StoreUnavailableError } from '../errors.js';
import { classifyStoreError } from './store-errors.js';
import type { Chunk } from './transact-items.js';

/** Why one action of a cancelled transaction failed, with the item as it is now (ALL_OLD). */
export interface CancellationReason {
  code: string;
  item?: Item;
}

export type ChunkResult =
  | { kind: 'committed' }
  | { kind: 'cancelled'; reasons: CancellationReason[] }
  | { kind: 'failed'; error: StoreUnavailableError | StoreFaultError };

/** Sends one chunk as one TransactWriteItems and says what happened, action by action when it was cancelled. */
export async function commitChunk(ddb: DynamoDBDocumentClient, chunk: Chunk, abortSignal?: AbortSignal): Promise<ChunkResult> {
  try {
    await ddb.send(new TransactWriteCommand({ TransactItems: chunk.actions }), { abortSignal });
    return { kind: 'committed' };
  } catch (error) {
    if (error instanceof TransactionCanceledException && error.CancellationReasons) {
      return {
        kind: 'cancelled',
        reasons: chunk.actions.map((_, index) => {
          const reason = error.CancellationReasons?.[index];
          return { code: reason?.Code ?? 'None', ...(reason?.Item && { item: unmarshall(reason.Item, { wrapNumbers: true }) }) };
        }),
      };
    }
    return { kind: 'failed', error: classifyStoreError(error, 'TransactWriteItems') };
  }
}
