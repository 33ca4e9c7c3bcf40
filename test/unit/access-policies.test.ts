import { describe, expect, it } from 'vitest';
import type { Cfn } from '../../deploy/cfn.js';
import { TASK_HEALTH_CHECK, WORKER_OPS_PORT } from '../../deploy/container-health.js';
import { QUEUE_LOGICAL_IDS, TABLE_LOGICAL_IDS } from '../../deploy/storage.js';
import { buildTemplate } from '../../deploy/template.js';
import { loadConfig } from '../../src/config.js';
import { checkSender } from '../../src/queue/sender-allowlist.js';
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

/** Evaluates the intrinsics the policies use (Ref, GetAtt, Sub, Join, Split, If on a parameter's emptiness) for `deployed`. */
function evaluate(value: unknown, deployed: Record<string, string | string[]> = DEPLOYED): unknown {
  const again = (item: unknown) => evaluate(item, deployed);
  if (Array.isArray(value)) return value.map(again).filter((item) => item !== NO_VALUE);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if (record.Ref === 'AWS::NoValue') return NO_VALUE;
  if ('Ref' in record) return deployed[record.Ref as string] ?? `ref:${String(record.Ref)}`;
  if ('Fn::GetAtt' in record) return ATTRIBUTES[(record['Fn::GetAtt'] as string[]).join('.')] ?? 'getatt';
  // Policy variables (${aws:userid}) are IAM's, not CloudFormation's: kept as they are.
  if ('Fn::Sub' in record)
    return (record['Fn::Sub'] as string)
      .replace(/\$\{([^}:]+)\}/g, (_, name: string) => String(deployed[name]))
      .replace(/\$\{(AWS::[^}]+)\}/g, (_, name: string) => String(deployed[name]));
  if ('Fn::If' in record) {
    const [condition, whenTrue, whenFalse] = record['Fn::If'] as [string, unknown, unknown];
    const parameter = CONDITION_PARAMETERS[condition];
    if (!parameter) throw new Error(`unknown condition ${condition}`);
    return again(String(deployed[parameter] ?? '') !== '' ? whenTrue : whenFalse);
  }
  if ('Fn::Join' in record) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown];
    return (again(parts) as unknown[]).flat().join(separator);
  }
  if ('Fn::Split' in record) {
    const [separator, text] = record['Fn::Split'] as [string, unknown];
    return String(again(text)).split(separator);
  }
  return Object.fromEntries(
    Object.entries(record)
      .map(([key, item]) => [key, again(item)])
      .filter(([, item]) => item !== NO_VALUE),
  );
}
const NO_VALUE = Symbol('AWS::NoValue');
/** Conditions that test whether a parameter is set. */
const CONDITION_PARAMETERS: Record<string, string> = {
  HasKmsKey: 'KmsKeyArn',
  HasSenderAllowlist: 'AllowedSenderIds',
  HasOperatorSenderIds: 'OperatorSenderIds',
};

const like = (pattern: string, text: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(text);

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

const queueStatements = (queue: string, deployed = DEPLOYED) => {
  const policy = resource(`${queue}Policy`);
  expect(policy.Type).toBe('AWS::SQS::QueuePolicy');
  expect(policy.Properties.Queues).toEqual([{ Ref: queue }]);
  return (evaluate(policy.Properties.PolicyDocument, deployed) as { Statement: Statement[] }).Statement;
};

const PRODUCER = 'arn:aws:iam::111122223333:role/orders-service';
const GATEWAY = 'arn:aws:iam::111122223333:role/wallet-gateway';
const STRANGER = 'arn:aws:iam::111122223333:role/some-lambda-with-sqs-star';
const OPERATOR = 'arn:aws:iam::111122223333:role/wallet-operator';
const WITH_OPERATOR = { ...DEPLOYED, OperatorRoleArns: [OPERATOR] };

describe('who may reach the queues', () => {
  it('has a queue policy on every queue that refuses every request made without TLS', () => {
    for (const queue of Object.values(QUEUE_LOGICAL_IDS)) {
      const statements = queueStatements(queue);
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
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

  it('lets the worker send its poison commands to the dead-letter queue, and leaves the rest of it to operators (an empty operator list matches nobody)', () => {
    const statements = queueStatements('DeadLetterQueue');
    expect(denies(statements, WORKER_ROLE, 'sqs:SendMessage')).toBe(false);
    for (const principal of [PRODUCER, WORKER_ROLE, STRANGER]) expect(denies(statements, principal, 'sqs:ReceiveMessage')).toBe(true);
    for (const principal of [PRODUCER, STRANGER]) expect(denies(statements, principal, 'sqs:SendMessage')).toBe(true);
  });

  it('denies changing a queue’s policy, attributes, permissions or tags, and deleting it, to everyone but the operator roles (F2)', () => {
    for (const queue of Object.values(QUEUE_LOGICAL_IDS)) {
      const statements = queueStatements(queue, WITH_OPERATOR);
      for (const action of [
        'sqs:SetQueueAttributes',
        'sqs:AddPermission',
        'sqs:RemovePermission',
        'sqs:DeleteQueue',
        'sqs:TagQueue',
        'sqs:UntagQueue',
      ]) {
        for (const principal of [PRODUCER, WORKER_ROLE, STRANGER])
          expect(denies(statements, principal, action), `${queue} ${action} ${principal}`).toBe(true);
        expect(denies(statements, OPERATOR, action), `${queue} ${action}`).toBe(false);
      }
    }
  });

  it('requires the producer roles (no default) and keeps the queues when the stack is deleted or a queue replaced', () => {
    expect(template.Parameters.ProducerRoleArns).toMatchObject({ Type: 'CommaDelimitedList' });
    expect(template.Parameters.ProducerRoleArns).not.toHaveProperty('Default');
    for (const queue of Object.values(QUEUE_LOGICAL_IDS))
      expect(resource(queue)).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('who may reach the tables', () => {
  const tableStatements = (table: string) =>
    (evaluate(resource(table).Properties.ResourcePolicy) as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement;

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

  it('denies resource-policy changes, exports, restores, backups, table changes and deletion to everyone but the operator roles (F2)', () => {
    for (const table of Object.values(TABLE_LOGICAL_IDS)) {
      const statements = (
        evaluate(resource(table).Properties.ResourcePolicy, WITH_OPERATOR) as { PolicyDocument: { Statement: Statement[] } }
      ).PolicyDocument.Statement;
      const actions = [
        'dynamodb:PutResourcePolicy',
        'dynamodb:DeleteResourcePolicy',
        'dynamodb:ExportTableToPointInTime',
        'dynamodb:UpdateTable',
        'dynamodb:DeleteTable',
        'dynamodb:RestoreTableToPointInTime',
        'dynamodb:CreateBackup',
        'dynamodb:UpdateContinuousBackups',
      ];
      for (const action of actions) {
        for (const principal of [GATEWAY, WORKER_ROLE, STRANGER])
          expect(denies(statements, principal, action), `${table} ${action} ${principal}`).toBe(true);
        expect(denies(statements, OPERATOR, action), `${table} ${action}`).toBe(false);
      }
    }
  });

  it('names the worker by its role path, which the worker role really has', () => {
    expect(evaluate(resource('WorkerTaskRole').Properties.Path)).toBe('/wallet-worker/wallet/');
    expect(WORKER_ROLE).toContain('/wallet-worker/wallet/');
  });
});

describe('the worker’s sender allowlist', () => {
  const allowlistOf = (deployed: Record<string, string | string[]>) => {
    const container = (
      resource('WorkerTaskDefinition').Properties.ContainerDefinitions as { Environment: { Name: string; Value: unknown }[] }[]
    )[0];
    return evaluate(container?.Environment.find((variable) => variable.Name === 'WALLET_ALLOWED_SENDER_IDS')?.Value, deployed);
  };

  it('is a template parameter passed to the worker as WALLET_ALLOWED_SENDER_IDS, empty (any sender) by default', () => {
    expect(template.Parameters.AllowedSenderIds).toMatchObject({ Type: 'String', Default: '' });
    expect(allowlistOf({ ...DEPLOYED, AllowedSenderIds: '', OperatorSenderIds: '' })).toBe('');
    expect(allowlistOf({ ...DEPLOYED, AllowedSenderIds: 'AROAPRODUCER', OperatorSenderIds: '' })).toBe('AROAPRODUCER');
    const pattern = new RegExp((template.Parameters.AllowedSenderIds as { AllowedPattern: string }).AllowedPattern);
    for (const value of ['', 'AROAEXAMPLE', 'AROAONE, AIDATWO']) expect(pattern.test(value), value).toBe(true);
    expect(pattern.test('a,,b')).toBe(false);
  });

  it('adds the operators’ sender ids, so a command an operator redrives from the DLQ is decided, not dropped as unlisted (F10)', () => {
    expect(template.Parameters.OperatorSenderIds).toMatchObject({ Type: 'String', Default: '' });
    const value = allowlistOf({ ...DEPLOYED, AllowedSenderIds: 'AROAPRODUCER', OperatorSenderIds: 'AROAOPERATOR' });
    expect(value).toBe('AROAPRODUCER,AROAOPERATOR');
    const { allowedSenderIds } = loadConfig({ WALLET_ALLOWED_SENDER_IDS: String(value) });
    expect(checkSender(allowedSenderIds, 'AROAOPERATOR:alice-redriving')).toEqual({ allowed: true });
    expect(checkSender(allowedSenderIds, 'AROAPRODUCER:i-0abc')).toEqual({ allowed: true });
    expect(checkSender(allowedSenderIds, 'AROASTRANGER:x').allowed).toBe(false);
    // Without an allowlist, operators' ids do not turn "any sender" into "operators only".
    expect(allowlistOf({ ...DEPLOYED, AllowedSenderIds: '', OperatorSenderIds: 'AROAOPERATOR' })).toBe('');
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
      expect(resolveCfn(resource(table).Properties, withKey)).toMatchObject({
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { Ref: 'KmsKeyArn' } },
      });
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
    expect(service().NetworkConfiguration.AwsvpcConfiguration).toMatchObject({
      SecurityGroups: [{ 'Fn::GetAtt': ['WorkerSecurityGroup', 'GroupId'] }],
      AssignPublicIp: { Ref: 'AssignPublicIp' },
    });
    expect(template.Parameters.AssignPublicIp).toMatchObject({ Default: 'DISABLED' });
    expect(template.Parameters).not.toHaveProperty('SecurityGroups');
  });

  it('creates VPC endpoints for SQS and DynamoDB, reachable only from the worker group', () => {
    expect(resolveCfn(resource('SqsVpcEndpoint').Properties, { isFifo: false, resourcePrefix: '' })).toMatchObject({
      VpcEndpointType: 'Interface',
      ServiceName: { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.sqs' },
      PrivateDnsEnabled: true,
    });
    expect(resource('DynamoDbVpcEndpoint').Properties).toMatchObject({
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.dynamodb' },
    });
    expect(resource('VpcEndpointSecurityGroup').Properties.SecurityGroupIngress).toEqual([
      expect.objectContaining({ FromPort: 443, SourceSecurityGroupId: { 'Fn::GetAtt': ['WorkerSecurityGroup', 'GroupId'] } }),
    ]);
  });

  it('drops every Linux capability and probes the worker’s /healthz', () => {
    expect(container()).toMatchObject({
      LinuxParameters: { Capabilities: { Drop: ['ALL'] } },
      ReadonlyRootFilesystem: true,
      HealthCheck: TASK_HEALTH_CHECK,
    });
    expect(TASK_HEALTH_CHECK.Command.join(' ')).toContain(`process.env.WALLET_METRICS_PORT || ${WORKER_OPS_PORT}) + '/healthz'`);
  });
});

describe('the reply waiter policy: each waiting principal reaches the reply queues it created (F1)', () => {
  const ME = 'AROAGATEWAY:task-1';
  const OTHER = 'AROAGATEWAY:task-2';
  const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const OWN_QUEUE = 'arn:aws:sqs:us-east-1:111122223333:wallet-replies-gw-0123456789ab';
  const SHARED_QUEUE = 'arn:aws:sqs:us-east-1:111122223333:wallet-replies';
  const ours = { 'wallet:reply-listener': 'true', 'wallet:creator': ME };
  const theirs = { 'wallet:reply-listener': 'true', 'wallet:creator': OTHER };

  interface WaiterStatement {
    Effect: string;
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string>>;
  }
  interface Request {
    action: string;
    resource: string;
    resourceTags?: Record<string, string>;
    requestTags?: Record<string, string>;
    viaService?: string;
  }
  const statementsOf = (deployed = DEPLOYED) =>
    (evaluate(resource('ReplyWaiterPolicy').Properties.PolicyDocument, deployed) as { Statement: WaiterStatement[] }).Statement;

  /** IAM's answer for the few operators the policy uses, for a request made as ME. */
  function allows(statements: WaiterStatement[], request: Request): boolean {
    const valueAt = (key: string): string | undefined => {
      if (key.startsWith('aws:ResourceTag/')) return request.resourceTags?.[key.slice('aws:ResourceTag/'.length)];
      if (key.startsWith('aws:RequestTag/')) return request.requestTags?.[key.slice('aws:RequestTag/'.length)];
      if (key === 'kms:ViaService') return request.viaService;
      throw new Error(`condition key ${key} not modelled`);
    };
    const holds = (condition: WaiterStatement['Condition'] = {}) =>
      Object.entries(condition).every(([operator, entries]) =>
        Object.entries(entries).every(([key, expected]) => {
          const actual = valueAt(key);
          if (operator === 'StringEquals') return actual === expected.replace('${aws:userid}', ME);
          if (operator === 'Null') return (actual === undefined) === (expected === 'true');
          throw new Error(`condition operator ${operator} not modelled`);
        }),
      );
    return statements.some(
      (statement) =>
        statement.Effect === 'Allow' &&
        [statement.Action].flat().includes(request.action) &&
        [statement.Resource].flat().some((pattern) => like(pattern, request.resource)) &&
        holds(statement.Condition),
    );
  }

  it('lets a principal create a reply queue only tagged as its own', () => {
    const statements = statementsOf();
    for (const action of ['sqs:CreateQueue', 'sqs:TagQueue']) {
      expect(allows(statements, { action, resource: OWN_QUEUE, requestTags: ours }), action).toBe(true);
      expect(allows(statements, { action, resource: OWN_QUEUE, requestTags: theirs }), action).toBe(false);
      expect(allows(statements, { action, resource: OWN_QUEUE, requestTags: { 'wallet:reply-listener': 'true' } }), action).toBe(false);
    }
    // Re-tagging another's queue as one's own is refused.
    expect(allows(statements, { action: 'sqs:TagQueue', resource: OWN_QUEUE, resourceTags: theirs, requestTags: ours })).toBe(false);
  });

  it('lets it read, delete and keep alive only the queues tagged with its own user id', () => {
    const statements = statementsOf();
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:TagQueue']) {
      expect(allows(statements, { action, resource: OWN_QUEUE, resourceTags: ours }), action).toBe(true);
      expect(allows(statements, { action, resource: OWN_QUEUE, resourceTags: theirs }), action).toBe(false);
      expect(allows(statements, { action, resource: SHARED_QUEUE, resourceTags: ours }), action).toBe(false);
    }
  });

  it('lets it sweep abandoned reply queues of other waiters (list their tags, delete them), never read them', () => {
    const statements = statementsOf();
    expect(allows(statements, { action: 'sqs:ListQueueTags', resource: OWN_QUEUE, resourceTags: theirs })).toBe(true);
    expect(allows(statements, { action: 'sqs:DeleteQueue', resource: OWN_QUEUE, resourceTags: theirs })).toBe(true);
    expect(allows(statements, { action: 'sqs:DeleteQueue', resource: SHARED_QUEUE, resourceTags: theirs })).toBe(false);
    expect(allows(statements, { action: 'sqs:DeleteQueue', resource: OWN_QUEUE, resourceTags: {} })).toBe(false);
  });

  it('lets it decrypt replies through SQS with the customer-managed key, when there is one', () => {
    expect(
      allows(statementsOf({ ...DEPLOYED, KmsKeyArn: KEY }), {
        action: 'kms:Decrypt',
        resource: KEY,
        viaService: 'sqs.us-east-1.amazonaws.com',
      }),
    ).toBe(true);
    expect(
      allows(statementsOf({ ...DEPLOYED, KmsKeyArn: KEY }), {
        action: 'kms:Decrypt',
        resource: KEY,
        viaService: 's3.us-east-1.amazonaws.com',
      }),
    ).toBe(false);
    expect(
      statementsOf({ ...DEPLOYED, KmsKeyArn: '' })
        .flatMap((statement) => [statement.Action].flat())
        .filter((action) => action.startsWith('kms:')),
    ).toEqual([]);
  });
});
