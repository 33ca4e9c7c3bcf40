import { describe, expect, it } from 'vitest';
import type { Cfn } from '../../deploy/cfn.js';
import { TASK_HEALTH_CHECK, WORKER_OPS_PORT } from '../../deploy/container-health.js';
import { QUEUE_LOGICAL_IDS, TABLE_LOGICAL_IDS } from '../../deploy/storage.js';
import { buildTemplate } from '../../deploy/template.js';
import { resolveCfn } from '../support/cfn-resolve.js';

const template = buildTemplate();
const resource = (id: string) => {
  const found = template.Resources[id];
  if (!found) throw new Error(`template has no resource ${id}`);
  return found;
};

/** One deployment: parameter values and what CloudFormation would name things. */
const DEPLOYED = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '111122223333',
  'AWS::StackName': 'wallet',
  ResourcePrefix: '',
  ProducerRoleArns: ['arn:aws:iam::111122223333:role/orders-service'],
  ReplyConsumerRoleArns: ['arn:aws:iam::111122223333:role/orders-service'],
  ReaderRoleArns: ['arn:aws:iam::111122223333:role/wallet-gateway'],
  OperatorRoleArns: [''],
} as Record<string, string | string[]>;
const WORKER_ROLE = 'arn:aws:iam::111122223333:role/wallet-worker/wallet/wallet-WorkerTaskRole-ABC123';
const ATTRIBUTES: Record<string, string> = { 'WorkerTaskRole.Arn': WORKER_ROLE };

/** Evaluates the intrinsics the policies use (Ref, GetAtt, Sub, Join, Split) for DEPLOYED. */
function evaluate(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(evaluate);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if ('Ref' in record) return DEPLOYED[record.Ref as string] ?? `ref:${String(record.Ref)}`;
  if ('Fn::GetAtt' in record) return ATTRIBUTES[(record['Fn::GetAtt'] as string[]).join('.')] ?? 'getatt';
  if ('Fn::Sub' in record) return (record['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => String(DEPLOYED[name]));
  if ('Fn::Join' in record) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown];
    return (evaluate(parts) as unknown[]).flat().join(separator);
  }
  if ('Fn::Split' in record) {
    const [separator, text] = record['Fn::Split'] as [string, unknown];
    return String(evaluate(text)).split(separator);
  }
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, evaluate(item)]));
}

const like = (pattern: string, text: string) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(text);

interface Statement {
  Effect: string;
  Action: string | string[];
  Condition: { Bool?: Record<string, string>; StringNotLike?: Record<string, string[]> };
}

/** Whether the evaluated policy denies `action` to `principal` over TLS (or without it). */
function denies(statements: Statement[], principal: string, action: string, secureTransport = true): boolean {
  return statements.some((statement) => {
    const actions = [statement.Action].flat();
    if (statement.Effect !== 'Deny' || !actions.some((pattern) => like(pattern, action))) return false;
    if (statement.Condition.Bool) return statement.Condition.Bool['aws:SecureTransport'] === String(secureTransport);
    const allowed = statement.Condition.StringNotLike?.['aws:PrincipalArn'] ?? [];
    return !allowed.some((pattern) => pattern !== '' && like(pattern, principal));
  });
}

const queueStatements = (queue: string) => {
  const policy = resource(`${queue}Policy`);
  expect(policy.Type).toBe('AWS::SQS::QueuePolicy');
  expect(policy.Properties.Queues).toEqual([{ Ref: queue }]);
  return (evaluate(policy.Properties.PolicyDocument) as { Statement: Statement[] }).Statement;
};

const PRODUCER = 'arn:aws:iam::111122223333:role/orders-service';
const GATEWAY = 'arn:aws:iam::111122223333:role/wallet-gateway';
const STRANGER = 'arn:aws:iam::111122223333:role/some-lambda-with-sqs-star';

describe('who may reach the queues', () => {
  it('has a queue policy on every queue that refuses every request made without TLS', () => {
    for (const queue of Object.values(QUEUE_LOGICAL_IDS)) {
      const statements = queueStatements(queue);
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
      expect(denies(statements, WORKER_ROLE, 'sqs:ReceiveMessage', false)).toBe(true);
    }
  });

  it('lets only the named producers send commands and only the worker consume them', () => {
    const statements = queueStatements('CommandQueue');
    expect(denies(statements, PRODUCER, 'sqs:SendMessage')).toBe(false);
    expect(denies(statements, STRANGER, 'sqs:SendMessage')).toBe(true);
    expect(denies(statements, WORKER_ROLE, 'sqs:SendMessage')).toBe(true);
    expect(denies(statements, WORKER_ROLE, 'sqs:ReceiveMessage')).toBe(false);
    expect(denies(statements, WORKER_ROLE, 'sqs:DeleteMessage')).toBe(false);
    expect(denies(statements, PRODUCER, 'sqs:ReceiveMessage')).toBe(true);
    expect(denies(statements, PRODUCER, 'sqs:PurgeQueue')).toBe(true);
  });

  it('lets only the worker write replies and only the named consumers read them', () => {
    const statements = queueStatements('ReplyQueue');
    expect(denies(statements, WORKER_ROLE, 'sqs:SendMessage')).toBe(false);
    expect(denies(statements, PRODUCER, 'sqs:SendMessage')).toBe(true);
    expect(denies(statements, PRODUCER, 'sqs:ReceiveMessage')).toBe(false);
    expect(denies(statements, STRANGER, 'sqs:ReceiveMessage')).toBe(true);
    expect(denies(statements, WORKER_ROLE, 'sqs:ReceiveMessage')).toBe(true);
  });

  it('leaves the dead-letter queue to operators (an empty operator list matches nobody)', () => {
    const statements = queueStatements('DeadLetterQueue');
    for (const principal of [PRODUCER, WORKER_ROLE, STRANGER]) {
      expect(denies(statements, principal, 'sqs:ReceiveMessage')).toBe(true);
      expect(denies(statements, principal, 'sqs:SendMessage')).toBe(true);
    }
  });

  it('requires the producer roles (no default) and keeps the queues when the stack is deleted or a queue replaced', () => {
    expect(template.Parameters.ProducerRoleArns).toMatchObject({ Type: 'CommaDelimitedList' });
    expect(template.Parameters.ProducerRoleArns).not.toHaveProperty('Default');
    for (const queue of Object.values(QUEUE_LOGICAL_IDS)) expect(resource(queue)).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('who may reach the tables', () => {
  const tableStatements = (table: string) => (evaluate(resource(table).Properties.ResourcePolicy) as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement;

  it('gives each table a resource policy refusing non-TLS requests and every principal but the worker, readers and operators', () => {
    for (const table of Object.values(TABLE_LOGICAL_IDS)) {
      const statements = tableStatements(table);
      expect(denies(statements, WORKER_ROLE, 'dynamodb:GetItem', false)).toBe(true);
      expect(denies(statements, WORKER_ROLE, 'dynamodb:UpdateItem')).toBe(false);
      expect(denies(statements, WORKER_ROLE, 'dynamodb:PutItem')).toBe(false);
      expect(denies(statements, GATEWAY, 'dynamodb:Query')).toBe(false);
      expect(denies(statements, GATEWAY, 'dynamodb:UpdateItem')).toBe(true);
      expect(denies(statements, STRANGER, 'dynamodb:GetItem')).toBe(true);
      expect(denies(statements, STRANGER, 'dynamodb:PutItem')).toBe(true);
      expect(denies(statements, STRANGER, 'dynamodb:PartiQLUpdate')).toBe(true);
    }
  });

  it('names the worker by its role path, which the worker role really has', () => {
    expect(evaluate(resource('WorkerTaskRole').Properties.Path)).toBe('/wallet-worker/wallet/');
    expect(WORKER_ROLE).toContain('/wallet-worker/wallet/');
  });
});

describe('the worker’s sender allowlist', () => {
  it('is a template parameter passed to the worker as WALLET_ALLOWED_SENDER_IDS, empty (any sender) by default', () => {
    expect(template.Parameters.AllowedSenderIds).toMatchObject({ Type: 'String', Default: '' });
    const container = (resource('WorkerTaskDefinition').Properties.ContainerDefinitions as { Environment: { Name: string; Value: unknown }[] }[])[0];
    expect(container?.Environment).toContainEqual({ Name: 'WALLET_ALLOWED_SENDER_IDS', Value: { Ref: 'AllowedSenderIds' } });
    const pattern = new RegExp((template.Parameters.AllowedSenderIds as { AllowedPattern: string }).AllowedPattern);
    for (const value of ['', 'AROAEXAMPLE', 'AROAONE, AIDATWO']) expect(pattern.test(value), value).toBe(true);
    expect(pattern.test('a,,b')).toBe(false);
  });
});

describe('encryption with an optional customer-managed key', () => {
  const withKey = { isFifo: false, resourcePrefix: '', hasKmsKey: true };
  const withoutKey = { isFifo: false, resourcePrefix: '', hasKmsKey: false };

  it('encrypts queues, tables and logs with KmsKeyArn when given', () => {
    for (const queue of Object.values(QUEUE_LOGICAL_IDS)) {
      expect(resolveCfn(resource(queue).Properties, withKey)).toMatchObject({ KmsMasterKeyId: { Ref: 'KmsKeyArn' } });
      expect(resolveCfn(resource(queue).Properties, withKey)).not.toHaveProperty('SqsManagedSseEnabled');
    }
    for (const table of Object.values(TABLE_LOGICAL_IDS)) {
      expect(resolveCfn(resource(table).Properties, withKey)).toMatchObject({ SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { Ref: 'KmsKeyArn' } } });
    }
    expect(resolveCfn(resource('WorkerLogGroup').Properties, withKey)).toMatchObject({ KmsKeyId: { Ref: 'KmsKeyArn' } });
    expect(resource('WorkerKmsPolicy')).toMatchObject({ Condition: 'HasKmsKey', Properties: { Roles: [{ Ref: 'WorkerTaskRole' }] } });
  });

  it('falls back to AWS-managed encryption without a key', () => {
    expect(template.Parameters.KmsKeyArn).toMatchObject({ Default: '' });
    expect(resolveCfn(resource('CommandQueue').Properties, withoutKey)).toMatchObject({ SqsManagedSseEnabled: true });
    expect(resolveCfn(resource('CommandQueue').Properties, withoutKey)).not.toHaveProperty('KmsMasterKeyId');
    expect(resolveCfn(resource('UsersTable').Properties, withoutKey)).not.toHaveProperty('SSESpecification');
  });
});

describe('the worker task’s network and container', () => {
  const service = () => resource('WorkerService').Properties as { NetworkConfiguration: { AwsvpcConfiguration: Cfn } };
  const container = () => (resource('WorkerTaskDefinition').Properties.ContainerDefinitions as Cfn[])[0] ?? {};

  it('runs in a security group of its own that accepts no inbound connection', () => {
    const group = resource('WorkerSecurityGroup');
    expect(group.Type).toBe('AWS::EC2::SecurityGroup');
    expect(group.Properties).not.toHaveProperty('SecurityGroupIngress');
    expect(group.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })]);
    expect(service().NetworkConfiguration.AwsvpcConfiguration).toMatchObject({ SecurityGroups: [{ 'Fn::GetAtt': ['WorkerSecurityGroup', 'GroupId'] }], AssignPublicIp: { Ref: 'AssignPublicIp' } });
    expect(template.Parameters.AssignPublicIp).toMatchObject({ Default: 'DISABLED' });
    expect(template.Parameters).not.toHaveProperty('SecurityGroups');
  });

  it('creates VPC endpoints for SQS and DynamoDB, reachable only from the worker group', () => {
    expect(resolveCfn(resource('SqsVpcEndpoint').Properties, { isFifo: false, resourcePrefix: '' })).toMatchObject({ VpcEndpointType: 'Interface', ServiceName: { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.sqs' }, PrivateDnsEnabled: true });
    expect(resource('DynamoDbVpcEndpoint').Properties).toMatchObject({ VpcEndpointType: 'Gateway', ServiceName: { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.dynamodb' } });
    expect(resource('VpcEndpointSecurityGroup').Properties.SecurityGroupIngress).toEqual([
      expect.objectContaining({ FromPort: 443, SourceSecurityGroupId: { 'Fn::GetAtt': ['WorkerSecurityGroup', 'GroupId'] } }),
    ]);
  });

  it('drops every Linux capability and probes the worker’s /healthz', () => {
    expect(container()).toMatchObject({ LinuxParameters: { Capabilities: { Drop: ['ALL'] } }, ReadonlyRootFilesystem: true, HealthCheck: TASK_HEALTH_CHECK });
    expect(TASK_HEALTH_CHECK.Command.join(' ')).toContain(`process.env.WALLET_METRICS_PORT || ${WORKER_OPS_PORT}) + '/healthz'`);
  });
});
