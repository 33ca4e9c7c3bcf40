import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { Config } from '../config.js';

/**
 * The one definition of every queue and table the service needs. Local
 * provisioning, the LocalStack init script and the deploy template are all
 * derived from these functions, so they cannot drift apart.
 */
export const HISTORY_INDEX = 'userId-timestamp-index';

/** Where the service's three queues are, once provisioned or looked up (resources/provision.ts). */
export interface QueueUrls {
  command: string;
  reply: string;
  deadLetter: string;
}

export function usersTableDefinition(config: Pick<Config, 'tables'>): CreateTableCommandInput {
  return {
    TableName: config.tables.users,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'userId', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
  };
}

export function transactionsTableDefinition(config: Pick<Config, 'tables'>): CreateTableCommandInput {
  return {
    TableName: config.tables.transactions,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'idempotentKey', AttributeType: 'S' },
      { AttributeName: 'userId', AttributeType: 'S' },
      { AttributeName: 'timestamp', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'idempotentKey', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: HISTORY_INDEX,
        KeySchema: [
          { AttributeName: 'userId', KeyType: 'HASH' },
          { AttributeName: 'timestamp', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

export function tableDefinitions(config: Pick<Config, 'tables'>): CreateTableCommandInput[] {
  return [usersTableDefinition(config), transactionsTableDefinition(config)];
}

export interface QueueDefinition {
  name: string;
  attributes: Record<string, string>;
  /** Name of the queue that receives this one's messages after maxReceiveCount failed deliveries. */
  deadLetterQueue?: string;
}

/** Four days is SQS's default retention; the DLQ keeps messages for the 14-day maximum so an operator can act. */
const FOURTEEN_DAYS_SECONDS = String(14 * 24 * 3600);

export function queueDefinitions(config: Pick<Config, 'queues' | 'worker'>): QueueDefinition[] {
  const fifo = (name: string): Record<string, string> => (name.endsWith('.fifo') ? { FifoQueue: 'true' } : {});
  return [
    { name: config.queues.deadLetter, attributes: { ...fifo(config.queues.deadLetter), MessageRetentionPeriod: FOURTEEN_DAYS_SECONDS } },
    {
      name: config.queues.command,
      attributes: { ...fifo(config.queues.command), VisibilityTimeout: String(config.worker.visibilityTimeoutSeconds) },
      deadLetterQueue: config.queues.deadLetter,
    },
    { name: config.queues.reply, attributes: { ...fifo(config.queues.reply) } },
  ];
}

export function redrivePolicy(deadLetterTargetArn: string, maxReceiveCount: number): string {
  return JSON.stringify({ deadLetterTargetArn, maxReceiveCount: String(maxReceiveCount) });
}
