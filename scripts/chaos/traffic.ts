import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { newUserItem } from '../../src/ledger/item-codec.js';
import { parseStoredNumber } from '../../src/money/money.js';
import type { ChaosPlan } from './command-plan.js';

/** Creates the plan's seeded users with their opening balances (straight to DynamoDB Local, never through a fault); the opened ones come from its `open` commands. */
export async function seedUsers(ddb: DynamoDBDocumentClient, usersTable: string, plan: ChaosPlan): Promise<void> {
  for (const user of plan.users) {
    if (user.opened) continue;
    const item = newUserItem(user.userId, parseStoredNumber(user.openingBalance), new Date().toISOString(), user.currency ?? 'USD');
    await ddb.send(new PutCommand({ TableName: usersTable, Item: item }));
  }
}

/** Publishes the plan's sends at about `perSecond` messages a second, so faults land while traffic flows. */
export async function publish(
  sqs: SQSClient,
  queueUrl: string,
  { sends }: Pick<ChaosPlan, 'sends'>,
  perSecond: number,
  onSent: (count: number) => void,
): Promise<void> {
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const entries = batch.map((body, index) => ({ Id: String(index), MessageBody: body }));
    batch = [];
    const { Failed = [] } = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    if (Failed.length > 0) throw new Error(`publishing failed: ${JSON.stringify(Failed)}`);
    onSent(entries.length);
    await sleep((entries.length / perSecond) * 1000);
  };
  // A group (a command and its concurrent duplicate) always goes out in one batch.
  for (const group of sends) {
    if (batch.length + group.length > 10) await flush();
    batch.push(...group);
  }
  await flush();
}

/** The messages a plan sends, its prelude's included. */
export function messageCount(plan: ChaosPlan): number {
  return [...plan.preludes.flatMap((stage) => stage.sends), ...plan.sends].reduce((sum, group) => sum + group.length, 0);
}
