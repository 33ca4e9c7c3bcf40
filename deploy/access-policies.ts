import { getAtt, ref, sub, type Cfn, type Resource } from './cfn.js';

/**
 * Who may reach the queues and tables, written on the resources themselves
 * (SPEC "Who may move money"): identity policies elsewhere in the account
 * cannot widen it. Each policy only denies: data-plane actions to every
 * principal that is not a named role, every request not made over TLS, and
 * the control plane (changing a policy or an attribute, exporting, restoring,
 * deleting) to every principal but the operator roles: a role with broad
 * `sqs:*` / `dynamodb:*` rights could otherwise rewrite the policy that
 * stops it. CloudFormation manages the resources through those same actions,
 * so the role it deploys with must be one of OperatorRoleArns.
 */

/** Role parameters: comma-separated role ARNs (empty entries match nobody). */
export function accessParameters(): Record<string, Cfn> {
  const roles = (description: string, required = false) => ({
    Type: 'CommaDelimitedList',
    ...(required ? {} : { Default: '' }),
    Description: `${description} (comma-separated IAM role ARNs; wildcards as in aws:PrincipalArn)`,
  });
  return {
    ProducerRoleArns: roles('Roles that may send commands to the command queue: producers and the HTTP gateway', true),
    ReplyConsumerRoleArns: roles(
      'Roles that may receive and delete messages on the reply queue: producers waiting for replies (empty: nobody but operators)',
    ),
    ReaderRoleArns: roles('Roles that may read the tables (GetItem, Query): the HTTP gateway and the query module'),
    // Required: the policies deny the control plane to everyone else, CloudFormation's own role included.
    OperatorRoleArns: roles(
      'Roles that may do everything on the queues and tables, and the only ones that may change their policies and attributes: the role CloudFormation deploys this stack with, the dead-letter tool (npm run dlq), npm run verify, break-glass access',
      true,
    ),
    AllowedSenderIds: senderIds(
      'WALLET_ALLOWED_SENDER_IDS of the worker: SQS SenderIds (role ids AROA…, user ids AIDA…) of the producers whose commands are decided; empty: any sender the queue policy admits',
    ),
    OperatorSenderIds: senderIds(
      "Role ids (AROA…, `aws iam get-role --query Role.RoleId`) of OperatorRoleArns: added to the worker's sender allowlist when there is one, so commands an operator redrives from the DLQ are decided",
    ),
  };
}

function senderIds(description: string): Cfn {
  return { Type: 'String', Default: '', AllowedPattern: '^([A-Za-z0-9:._@=+-]+( *, *[A-Za-z0-9:._@=+-]+)*)?$', Description: description };
}

export function accessConditions(): Record<string, unknown> {
  const set = (parameter: string) => ({ 'Fn::Not': [{ 'Fn::Equals': [ref(parameter), ''] }] });
  return { HasSenderAllowlist: set('AllowedSenderIds'), HasOperatorSenderIds: set('OperatorSenderIds') };
}

/**
 * The worker's WALLET_ALLOWED_SENDER_IDS. A redrive re-sends each command
 * with the operator's credentials, so SQS stamps the operator's SenderId on
 * it: the operators' role ids join the list. They add nobody the command
 * queue's policy does not already let send (operators may, for redrives),
 * and the check stays on SQS's SenderId, which no sender can forge (unlike
 * an attribute a redrive tool would copy). No allowlist stays no allowlist.
 */
export function workerSenderAllowlist(): Cfn {
  const withOperators = {
    'Fn::If': ['HasOperatorSenderIds', { 'Fn::Join': [',', [ref('AllowedSenderIds'), ref('OperatorSenderIds')]] }, ref('AllowedSenderIds')],
  };
  return { 'Fn::If': ['HasSenderAllowlist', withOperators, ''] };
}

/**
 * The worker task role lives under this path; the table policies name it by
 * path because a table's ResourcePolicy cannot refer to the role itself: the
 * role's policy refers to the table, and CloudFormation refuses the circle.
 */
export const WORKER_ROLE_PATH = sub('/wallet-worker/${AWS::StackName}/');
const WORKER_ROLE_PATTERN = sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/wallet-worker/${AWS::StackName}/*');

/** The worker role's exact ARN (queues: their policies are separate resources, so no circle). */
const WORKER_ROLE_ARN = getAtt('WorkerTaskRole', 'Arn');

/** A list of principal ARNs: the fixed ones followed by the entries of list parameters. */
function principals(fixed: unknown[], parameters: string[]): Cfn {
  const parts = [...fixed, ...parameters.map((name) => ({ 'Fn::Join': [',', ref(name)] }))];
  return { 'Fn::Split': [',', { 'Fn::Join': [',', parts] }] };
}

function denyUnlessTls(service: 'sqs' | 'dynamodb', resource: unknown): Cfn {
  return {
    Sid: 'DenyWithoutTls',
    Effect: 'Deny',
    Principal: '*',
    Action: `${service}:*`,
    Resource: resource,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

function denyUnlessPrincipal(sid: string, actions: string[], resource: unknown, allowed: Cfn): Cfn {
  return {
    Sid: sid,
    Effect: 'Deny',
    Principal: '*',
    Action: actions,
    Resource: resource,
    Condition: { StringNotLike: { 'aws:PrincipalArn': allowed } },
  };
}

// --- queues ----------------------------------------------------------------

const SEND = ['sqs:SendMessage'];
const CONSUME = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'];
const PURGE = ['sqs:PurgeQueue'];
/** Whoever may do these may rewrite the policy itself, or delete the queue and its commands. */
export const QUEUE_CONTROL_PLANE = [
  'sqs:SetQueueAttributes',
  'sqs:AddPermission',
  'sqs:RemovePermission',
  'sqs:DeleteQueue',
  'sqs:TagQueue',
  'sqs:UntagQueue',
];

/** Per queue: which principals may send, and which may consume (everyone else is denied). */
export const QUEUE_ACCESS: Record<'CommandQueue' | 'ReplyQueue' | 'DeadLetterQueue', { senders: Cfn; consumers: Cfn }> = {
  // Operators send to the command queue when they redrive the DLQ.
  CommandQueue: {
    senders: principals([], ['ProducerRoleArns', 'OperatorRoleArns']),
    consumers: principals([WORKER_ROLE_ARN], ['OperatorRoleArns']),
  },
  ReplyQueue: {
    senders: principals([WORKER_ROLE_ARN], ['OperatorRoleArns']),
    consumers: principals([], ['ReplyConsumerRoleArns', 'OperatorRoleArns']),
  },
  // SQS itself moves messages to the DLQ (not subject to this policy); the worker sends poison commands
  // there itself, with their reason (dead-letters.ts); only operators read it.
  DeadLetterQueue: { senders: principals([WORKER_ROLE_ARN], ['OperatorRoleArns']), consumers: principals([], ['OperatorRoleArns']) },
};

export function queuePolicyResources(): Record<string, Resource> {
  return Object.fromEntries(
    Object.entries(QUEUE_ACCESS).map(([queue, access]) => {
      const arn = getAtt(queue, 'Arn');
      const statements = [
        denyUnlessTls('sqs', arn),
        denyUnlessPrincipal('DenySendToOthers', SEND, arn, access.senders),
        denyUnlessPrincipal('DenyConsumeToOthers', CONSUME, arn, access.consumers),
        denyUnlessPrincipal('DenyPurgeToOthers', PURGE, arn, principals([], ['OperatorRoleArns'])),
        denyUnlessPrincipal('DenyControlPlaneToOthers', QUEUE_CONTROL_PLANE, arn, principals([], ['OperatorRoleArns'])),
      ];
      return [
        `${queue}Policy`,
        {
          Type: 'AWS::SQS::QueuePolicy',
          Properties: { Queues: [ref(queue)], PolicyDocument: { Version: '2012-10-17', Statement: statements } },
        },
      ];
    }),
  );
}

// --- tables ----------------------------------------------------------------

const TABLE_READS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:PartiQLSelect'];
const TABLE_WRITES = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
];

/** A table's policy, its settings, its recovery, its data taken out whole, the table itself. */
export const TABLE_CONTROL_PLANE = [
  'dynamodb:PutResourcePolicy',
  'dynamodb:DeleteResourcePolicy',
  'dynamodb:ExportTableToPointInTime',
  'dynamodb:RestoreTableToPointInTime',
  'dynamodb:CreateBackup',
  'dynamodb:UpdateContinuousBackups',
  'dynamodb:UpdateTable',
  'dynamodb:DeleteTable',
];

/**
 * The ResourcePolicy of a table (AWS::DynamoDB::Table supports one). The
 * resource is the table's ARN built from its name (the table's own GetAtt
 * would refer to itself) and its indexes (a Query on the history index).
 */
export function tableResourcePolicy(tableName: unknown): Cfn {
  const name = (tableName as { 'Fn::Sub': string })['Fn::Sub'];
  const arns = [
    sub(`arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${name}`),
    sub(`arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${name}/index/*`),
  ];
  return {
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        denyUnlessTls('dynamodb', arns),
        denyUnlessPrincipal('DenyWritesToOthers', TABLE_WRITES, arns, principals([WORKER_ROLE_PATTERN], ['OperatorRoleArns'])),
        denyUnlessPrincipal(
          'DenyReadsToOthers',
          TABLE_READS,
          arns,
          principals([WORKER_ROLE_PATTERN], ['ReaderRoleArns', 'OperatorRoleArns']),
        ),
        denyUnlessPrincipal('DenyControlPlaneToOthers', TABLE_CONTROL_PLANE, arns, principals([], ['OperatorRoleArns'])),
      ],
    },
  };
}
