import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { Config } from '../src/config.js';
import { queueDefinitions, redrivePolicy, tableDefinitions, type QueueDefinition } from '../src/resources/definitions.js';
import { tableResourcePolicy } from './access-policies.js';
import { queueEncryption, tableEncryption } from './encryption.js';
import { FIFO_CONFIG, getAtt, NO_VALUE, sub, TEMPLATE_CONFIG, type Cfn, type Resource } from './cfn.js';
import type { GrantTarget } from './worker-permissions.js';

/**
 * The queues and tables of the template, built from src/resources/definitions.ts:
 * the same functions local provisioning uses, so the two cannot drift apart.
 */
export const QUEUE_LOGICAL_IDS: Record<keyof Config['queues'], GrantTarget> = {
  command: 'CommandQueue',
  reply: 'ReplyQueue',
  deadLetter: 'DeadLetterQueue',
};
export const TABLE_LOGICAL_IDS: Record<keyof Config['tables'], GrantTarget> = { users: 'UsersTable', transactions: 'TransactionsTable' };
/** Properties the template adds to a definitions.ts table: operational safety, not schema. */
export const TABLE_EXTRAS = {
  PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
  DeletionProtectionEnabled: true,
} as const;

/** Every resource name starts with the ResourcePrefix parameter (empty by default: the SPEC's names). */
const prefixed = (name: string) => sub(`\${ResourcePrefix}${name}`);

// --- queues ----------------------------------------------------------------

/** SQS API attribute -> CloudFormation AWS::SQS::Queue property. An attribute without an entry stops the synth. */
const QUEUE_PROPERTY: Record<string, (value: string) => unknown> = {
  FifoQueue: (value) => value === 'true',
  VisibilityTimeout: Number,
  MessageRetentionPeriod: Number,
};

function queueProperties(definition: QueueDefinition, config: Config): Cfn {
  const properties: Cfn = { QueueName: prefixed(definition.name) };
  for (const [attribute, value] of Object.entries(definition.attributes)) {
    const convert = QUEUE_PROPERTY[attribute];
    if (!convert)
      throw new Error(`definitions.ts sets queue attribute ${attribute}, which deploy/template.ts does not map to CloudFormation yet`);
    properties[attribute] = convert(value);
  }
  if (definition.deadLetterQueue) {
    const target = logicalIdOfQueue(definition.deadLetterQueue, config);
    // redrivePolicy() is what ensureQueues sets; here its ARN is a reference instead of a looked-up string.
    const policy = JSON.parse(redrivePolicy('arn-placeholder', config.maxReceiveCount)) as { maxReceiveCount: string };
    properties.RedrivePolicy = { deadLetterTargetArn: getAtt(target, 'Arn'), maxReceiveCount: Number(policy.maxReceiveCount) };
  }
  return properties;
}

/** One resource per queue; where the standard and FIFO variants differ, Fn::If picks on the IsFifo condition. */
export function queueResources(): Record<string, Resource> {
  const standard = queueDefinitions(TEMPLATE_CONFIG);
  const fifo = queueDefinitions(FIFO_CONFIG);
  return Object.fromEntries(
    standard.map((definition, index) => {
      const fifoDefinition = fifo[index];
      if (!fifoDefinition) throw new Error('standard and FIFO queue definitions differ in number');
      const id = logicalIdOfQueue(definition.name, TEMPLATE_CONFIG);
      const properties = {
        ...mergeVariants(queueProperties(definition, TEMPLATE_CONFIG), queueProperties(fifoDefinition, FIFO_CONFIG)),
        ...queueEncryption(),
      };
      // Queued commands outlive the stack: a replacement (a QueueType change) or a deletion keeps the old queue and its messages.
      return [id, { Type: 'AWS::SQS::Queue', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: properties }];
    }),
  );
}

function mergeVariants(standard: Cfn, fifo: Cfn): Cfn {
  const keys = [...new Set([...Object.keys(standard), ...Object.keys(fifo)])];
  return Object.fromEntries(
    keys.map((key) => {
      const [a, b] = [standard[key], fifo[key]];
      return [key, JSON.stringify(a) === JSON.stringify(b) ? a : { 'Fn::If': ['IsFifo', b ?? NO_VALUE, a ?? NO_VALUE] }];
    }),
  );
}

function logicalIdOfQueue(name: string, config: Config): GrantTarget {
  const role = (Object.keys(config.queues) as (keyof Config['queues'])[]).find((key) => config.queues[key] === name);
  if (!role) throw new Error(`queue ${name} is not one of the configured queues`);
  return QUEUE_LOGICAL_IDS[role];
}

// --- tables ----------------------------------------------------------------

const TABLE_FIELDS = ['TableName', 'BillingMode', 'AttributeDefinitions', 'KeySchema', 'GlobalSecondaryIndexes'] as const;

function tableProperties(definition: CreateTableCommandInput): Cfn {
  const unknown = Object.keys(definition).filter((field) => !(TABLE_FIELDS as readonly string[]).includes(field));
  if (unknown.length > 0)
    throw new Error(`definitions.ts sets table fields ${unknown.join(', ')}, which deploy/template.ts does not map yet`);
  // The CreateTable fields used here have the same names and shapes in AWS::DynamoDB::Table.
  const { TableName, ...schema } = definition;
  if (!TableName) throw new Error('table definition without a name');
  const name = prefixed(TableName);
  return { TableName: name, ...schema, ...TABLE_EXTRAS, ...tableEncryption(), ResourcePolicy: tableResourcePolicy(name) };
}

export function tableResources(): Record<string, Resource> {
  const byName = new Map(tableDefinitions(TEMPLATE_CONFIG).map((definition) => [definition.TableName, definition]));
  return Object.fromEntries(
    (Object.keys(TABLE_LOGICAL_IDS) as (keyof Config['tables'])[]).map((role) => {
      const definition = byName.get(TEMPLATE_CONFIG.tables[role]);
      if (!definition) throw new Error(`no definition for table ${role}`);
      // Balances and the ledger outlive any stack: deleting or replacing the stack keeps the tables.
      return [
        TABLE_LOGICAL_IDS[role],
        { Type: 'AWS::DynamoDB::Table', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: tableProperties(definition) },
      ];
    }),
  );
}
