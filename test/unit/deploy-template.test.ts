import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { EnvSchema, loadConfig, type Config } from '../../src/config.js';
import { HISTORY_INDEX, queueDefinitions, tableDefinitions } from '../../src/resources/definitions.js';
import { FIFO_CONFIG, TEMPLATE_CONFIG, type Cfn } from '../../deploy/cfn.js';
import { QUEUE_LOGICAL_IDS, TABLE_EXTRAS, TABLE_LOGICAL_IDS } from '../../deploy/storage.js';
import { buildTemplate } from '../../deploy/template.js';
import { STOP_TIMEOUT_SECONDS, workerEnvironment } from '../../deploy/worker-service.js';
import { renderTemplate, TEMPLATE_PATH } from '../../scripts/synth-template.js';
import { resolveCfn } from '../support/cfn-resolve.js';

const template = buildTemplate();
const properties = (id: string): Cfn => {
  const resource = template.Resources[id];
  if (!resource) throw new Error(`template has no resource ${id}`);
  return resource.Properties;
};

describe('deploy/wallet-worker.yaml', () => {
  it('is exactly what npm run synth generates from the code (run `npm run synth` after changing definitions)', async () => {
    expect(await readFile(TEMPLATE_PATH, 'utf8')).toBe(renderTemplate());
  });

  for (const [variant, config] of [
    ['standard', TEMPLATE_CONFIG],
    ['fifo', FIFO_CONFIG],
  ] as const) {
    it(`defines the ${variant} queues exactly as src/resources/definitions.ts, with the redrive policy to the DLQ`, () => {
      const choice = { isFifo: variant === 'fifo', resourcePrefix: 'staging-' };
      for (const definition of queueDefinitions(config)) {
        const role = (Object.keys(config.queues) as (keyof Config['queues'])[]).find((key) => config.queues[key] === definition.name);
        expect(role, definition.name).toBeDefined();
        const deployed = resolveCfn(properties(QUEUE_LOGICAL_IDS[role!]), choice) as Record<string, unknown>;
        const { QueueName, RedrivePolicy, SqsManagedSseEnabled, ...attributes } = deployed;
        expect(QueueName).toBe(`staging-${definition.name}`);
        // Without KmsKeyArn: SQS-managed encryption (deploy/encryption.ts), not an SQS attribute of definitions.ts.
        expect(SqsManagedSseEnabled).toBe(true);
        // Same attributes, same values (CloudFormation takes numbers and booleans where SQS takes strings).
        expect(Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, String(value)]))).toEqual(definition.attributes);
        if (definition.deadLetterQueue) {
          const dlqRole = (Object.keys(config.queues) as (keyof Config['queues'])[]).find(
            (key) => config.queues[key] === definition.deadLetterQueue,
          );
          expect(RedrivePolicy).toEqual({
            deadLetterTargetArn: { 'Fn::GetAtt': [QUEUE_LOGICAL_IDS[dlqRole!], 'Arn'] },
            maxReceiveCount: config.maxReceiveCount,
          });
        } else {
          expect(RedrivePolicy).toBeUndefined();
        }
      }
    });
  }

  it('keeps the SPEC defaults: names, maxReceiveCount 5, FIFO names ending in .fifo', () => {
    expect(TEMPLATE_CONFIG.queues).toEqual({ command: 'wallet-commands', reply: 'wallet-replies', deadLetter: 'wallet-commands-dlq' });
    expect(TEMPLATE_CONFIG.tables).toEqual({ users: 'Users', transactions: 'Transactions' });
    expect(TEMPLATE_CONFIG.maxReceiveCount).toBe(5);
    expect(Object.values(FIFO_CONFIG.queues).every((name) => name.endsWith('.fifo'))).toBe(true);
    expect(template.Parameters.QueueType).toMatchObject({ AllowedValues: ['standard', 'fifo'], Default: 'standard' });
  });

  it('defines both tables exactly as definitions.ts, plus point-in-time recovery and deletion protection', () => {
    for (const definition of tableDefinitions(TEMPLATE_CONFIG)) {
      const role = (Object.keys(TEMPLATE_CONFIG.tables) as (keyof Config['tables'])[]).find(
        (key) => TEMPLATE_CONFIG.tables[key] === definition.TableName,
      );
      const resource = template.Resources[TABLE_LOGICAL_IDS[role!]];
      expect(resource).toMatchObject({ Type: 'AWS::DynamoDB::Table', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      const { ResourcePolicy, ...deployed } = resolveCfn(resource!.Properties, { isFifo: false, resourcePrefix: '' }) as Record<
        string,
        unknown
      >;
      expect(deployed).toEqual({ ...definition, ...TABLE_EXTRAS });
      expect(ResourcePolicy).toHaveProperty('PolicyDocument.Statement');
      expect(deployed).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
    }
    const indexes = properties('TransactionsTable').GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown }[];
    expect(indexes.map((index) => index.IndexName)).toEqual([HISTORY_INDEX]);
    expect(HISTORY_INDEX).toBe('userId-timestamp-index');
    expect(indexes[0]?.KeySchema).toEqual([
      { AttributeName: 'userId', KeyType: 'HASH' },
      { AttributeName: 'timestamp', KeyType: 'RANGE' },
    ]);
  });

  it('runs the worker with WALLET_STACK=aws on the stack’s own queues and tables, in variables the config schema knows', () => {
    const environment = workerEnvironment();
    const container = (properties('WorkerTaskDefinition').ContainerDefinitions as { Environment: unknown }[])[0];
    expect(container?.Environment).toEqual(environment);
    for (const { Name } of environment) expect(Object.keys(EnvSchema.shape)).toContain(Name);
    const byName = Object.fromEntries(environment.map(({ Name, Value }) => [Name, Value]));
    expect(byName).toMatchObject({
      WALLET_STACK: 'aws',
      WALLET_COMMAND_QUEUE: { 'Fn::GetAtt': ['CommandQueue', 'QueueName'] },
      WALLET_REPLY_QUEUE: { 'Fn::GetAtt': ['ReplyQueue', 'QueueName'] },
      WALLET_DEAD_LETTER_QUEUE: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] },
      WALLET_USERS_TABLE: { Ref: 'UsersTable' },
      WALLET_TRANSACTIONS_TABLE: { Ref: 'TransactionsTable' },
    });
    // With the references replaced by the names CloudFormation gives them, the worker's config parses: aws, nothing provisioned.
    const asDeployed = {
      ...byName,
      AWS_REGION: 'us-east-1',
      WALLET_POLLERS: '4',
      WALLET_COMMAND_QUEUE: 'wallet-commands',
      WALLET_REPLY_QUEUE: 'wallet-replies',
      WALLET_DEAD_LETTER_QUEUE: 'wallet-commands-dlq',
      WALLET_USERS_TABLE: 'Users',
      WALLET_TRANSACTIONS_TABLE: 'Transactions',
      WALLET_ALLOWED_SENDER_IDS: '',
    };
    const config = loadConfig(asDeployed as Record<string, string>);
    expect(config).toMatchObject({ stack: 'aws', provision: false, endpoints: {} });
    expect(config.worker.visibilityTimeoutSeconds).toBe(properties('CommandQueue').VisibilityTimeout);
  });

  it('gives ECS enough time after SIGTERM for the worker’s graceful stop', () => {
    const { waitTimeSeconds, visibilityTimeoutSeconds } = TEMPLATE_CONFIG.worker;
    const container = (properties('WorkerTaskDefinition').ContainerDefinitions as Cfn[])[0];
    expect(container).toMatchObject({
      StopTimeout: STOP_TIMEOUT_SECONDS,
      LinuxParameters: { InitProcessEnabled: true },
      ReadonlyRootFilesystem: true,
    });
    expect(STOP_TIMEOUT_SECONDS).toBeGreaterThanOrEqual(waitTimeSeconds + visibilityTimeoutSeconds + 5);
    expect(STOP_TIMEOUT_SECONDS).toBeLessThanOrEqual(120); // Fargate's maximum
  });

  it('runs a Fargate service scaled by target tracking on visible commands per running task', () => {
    expect(properties('WorkerService')).toMatchObject({ LaunchType: 'FARGATE', DesiredCount: { Ref: 'DesiredCount' } });
    expect(properties('WorkerScalableTarget')).toMatchObject({
      MinCapacity: { Ref: 'MinCount' },
      MaxCapacity: { Ref: 'MaxCount' },
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    const policy = properties('WorkerBacklogScaling');
    expect(policy.PolicyType).toBe('TargetTrackingScaling');
    const { Metrics } = (policy.TargetTrackingScalingPolicyConfiguration as { CustomizedMetricSpecification: { Metrics: Cfn[] } })
      .CustomizedMetricSpecification;
    const returned = Metrics.filter((metric) => metric.ReturnData === true);
    expect(returned).toHaveLength(1);
    expect(returned[0]?.Expression).toBe('visible / tasks');
    expect(Metrics.find((metric) => metric.Id === 'visible')).toMatchObject({
      MetricStat: {
        Metric: {
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Value: { 'Fn::GetAtt': ['CommandQueue', 'QueueName'] } }],
        },
      },
    });
    expect(Metrics.find((metric) => metric.Id === 'tasks')).toMatchObject({
      MetricStat: { Metric: { Namespace: 'ECS/ContainerInsights', MetricName: 'RunningTaskCount' } },
    });
    // The divisor is never zero: at least one task always runs.
    expect(template.Parameters.MinCount).toMatchObject({ MinValue: 1 });
  });

  it('alarms on dead-lettered commands and on the age of the oldest command', () => {
    expect(properties('DeadLetterQueueAlarm')).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(properties('OldestCommandAlarm')).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['CommandQueue', 'QueueName'] } }],
      Threshold: { Ref: 'OldestMessageAlarmSeconds' },
    });
  });
});
