import { getAtt, NO_VALUE, ref, sub, TEMPLATE_CONFIG, type Cfn, type Resource } from './cfn.js';
import { WORKER_ROLE_PATH, workerSenderAllowlist } from './access-policies.js';
import { TASK_HEALTH_CHECK } from './container-health.js';
import { logEncryption } from './encryption.js';
import { replyQueuesArn } from './reply-waiter-policy.js';
import { WORKER_CALL_SITES, type GrantTarget } from './worker-permissions.js';

/**
 * The worker's side of the template: its roles, the Fargate task and
 * service, auto scaling on backlog per task, and the alarms.
 */
function arnOf(target: GrantTarget) {
  return target === 'ReplyQueuePrefix' ? replyQueuesArn() : getAtt(target, 'Arn');
}

/** The task role's statements: one per target (and per transactional / plain), actions sorted. */
export function workerPolicyStatements(): Cfn[] {
  const statements = new Map<string, { target: GrantTarget; inTransaction: boolean; actions: Set<string> }>();
  for (const site of Object.values(WORKER_CALL_SITES)) {
    if (!('grants' in site)) continue;
    for (const grant of site.grants) {
      for (const target of grant.on) {
        const inTransaction = grant.inTransaction ?? false;
        const sid = `${target}${inTransaction ? 'InTransactions' : ''}`;
        const statement = statements.get(sid) ?? { target, inTransaction, actions: new Set<string>() };
        for (const action of grant.actions) statement.actions.add(action);
        statements.set(sid, statement);
      }
    }
  }
  return [...statements.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([sid, statement]) => ({
      Sid: sid,
      Effect: 'Allow',
      Action: [...statement.actions].sort(),
      Resource: arnOf(statement.target),
      // The worker writes only inside TransactWriteItems: a stray single-item write is refused. Plain
      // StringEquals (not ForAllValues) so that a request without the key, a non-transactional write, fails.
      ...(statement.inTransaction && { Condition: { StringEquals: { 'dynamodb:EnclosingOperation': 'TransactWriteItems' } } }),
    }));
}

const ASSUMED_BY_ECS_TASKS = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'ecs-tasks.amazonaws.com' },
      Action: 'sts:AssumeRole',
      // Only tasks of this account may assume it (confused-deputy protection).
      Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
    },
  ],
};

/** The worker's environment: names of the stack's own resources, in the variables src/config.ts reads. */
export function workerEnvironment(): { Name: string; Value: unknown }[] {
  return [
    { Name: 'WALLET_STACK', Value: 'aws' },
    { Name: 'AWS_REGION', Value: ref('AWS::Region') },
    { Name: 'WALLET_COMMAND_QUEUE', Value: getAtt('CommandQueue', 'QueueName') },
    { Name: 'WALLET_REPLY_QUEUE', Value: getAtt('ReplyQueue', 'QueueName') },
    { Name: 'WALLET_DEAD_LETTER_QUEUE', Value: getAtt('DeadLetterQueue', 'QueueName') },
    { Name: 'WALLET_USERS_TABLE', Value: ref('UsersTable') },
    { Name: 'WALLET_TRANSACTIONS_TABLE', Value: ref('TransactionsTable') },
    { Name: 'WALLET_VISIBILITY_TIMEOUT_SECONDS', Value: String(TEMPLATE_CONFIG.worker.visibilityTimeoutSeconds) },
    { Name: 'WALLET_POLLERS', Value: ref('PollersPerTask') },
    { Name: 'LOG_LEVEL', Value: 'info' },
    // Empty (the default) is unset for the config: every sender that the queue policy lets through.
    { Name: 'WALLET_ALLOWED_SENDER_IDS', Value: workerSenderAllowlist() },
  ];
}

/**
 * ECS sends SIGTERM, waits this long, then SIGKILL. The worker's stop waits
 * for the last poll and the batch it returns (at most the long-poll wait plus
 * the visibility timeout plus 5 s); 120 s is Fargate's maximum and covers it.
 */
export const STOP_TIMEOUT_SECONDS = 120;

export function workerResources(): Record<string, Resource> {
  return {
    Cluster: {
      Type: 'AWS::ECS::Cluster',
      // Container Insights publishes RunningTaskCount, the divisor of the scaling metric.
      Properties: { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] },
    },
    WorkerLogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: ref('LogRetentionDays'), ...logEncryption() } },
    WorkerExecutionRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: 'Lets ECS pull the worker image and write its logs (not used by the worker code)',
        AssumeRolePolicyDocument: ASSUMED_BY_ECS_TASKS,
        ManagedPolicyArns: [sub('arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy')],
      },
    },
    WorkerTaskRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: 'The wallet worker: exactly the SQS and DynamoDB calls it makes (deploy/worker-permissions.ts)',
        // The tables' resource policies name the worker by this path (deploy/access-policies.ts).
        Path: WORKER_ROLE_PATH,
        AssumeRolePolicyDocument: ASSUMED_BY_ECS_TASKS,
        Policies: [{ PolicyName: 'wallet-worker', PolicyDocument: { Version: '2012-10-17', Statement: workerPolicyStatements() } }],
      },
    },
    WorkerTaskDefinition: {
      Type: 'AWS::ECS::TaskDefinition',
      Properties: {
        RequiresCompatibilities: ['FARGATE'],
        NetworkMode: 'awsvpc',
        Cpu: { 'Fn::FindInMap': ['TaskSizes', ref('TaskSize'), 'Cpu'] },
        Memory: { 'Fn::FindInMap': ['TaskSizes', ref('TaskSize'), 'Memory'] },
        RuntimePlatform: { OperatingSystemFamily: 'LINUX', CpuArchitecture: 'X86_64' },
        ExecutionRoleArn: getAtt('WorkerExecutionRole', 'Arn'),
        TaskRoleArn: getAtt('WorkerTaskRole', 'Arn'),
        ContainerDefinitions: [
          {
            Name: 'worker',
            Image: ref('ImageUri'),
            Essential: true,
            // Nothing in the container writes to disk: compiled JavaScript, no tsx cache, logs to stdout.
            ReadonlyRootFilesystem: true,
            // An init process as PID 1 forwards SIGTERM to node and reaps zombies.
            // No Linux capabilities at all: the worker only opens outgoing sockets and a port above 1024.
            LinuxParameters: { InitProcessEnabled: true, Capabilities: { Drop: ['ALL'] } },
            HealthCheck: TASK_HEALTH_CHECK,
            StopTimeout: STOP_TIMEOUT_SECONDS,
            Environment: workerEnvironment(),
            LogConfiguration: {
              LogDriver: 'awslogs',
              Options: { 'awslogs-group': ref('WorkerLogGroup'), 'awslogs-region': ref('AWS::Region'), 'awslogs-stream-prefix': 'worker' },
            },
          },
        ],
      },
    },
    WorkerService: {
      Type: 'AWS::ECS::Service',
      Properties: {
        Cluster: ref('Cluster'),
        TaskDefinition: ref('WorkerTaskDefinition'),
        LaunchType: 'FARGATE',
        DesiredCount: ref('DesiredCount'),
        // Rolling deploys start new tasks before stopping old ones; a task that keeps crashing rolls back.
        DeploymentConfiguration: {
          MinimumHealthyPercent: 100,
          MaximumPercent: 200,
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        },
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            Subnets: ref('Subnets'),
            SecurityGroups: [getAtt('WorkerSecurityGroup', 'GroupId')],
            AssignPublicIp: ref('AssignPublicIp'),
          },
        },
        PropagateTags: 'SERVICE',
        EnableECSManagedTags: true,
      },
    },
  };
}

// --- scaling and alarms ------------------------------------------------------

export function scalingResources(): Record<string, Resource> {
  return {
    WorkerScalableTarget: {
      Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
      Properties: {
        ServiceNamespace: 'ecs',
        ScalableDimension: 'ecs:service:DesiredCount',
        ResourceId: { 'Fn::Join': ['/', ['service', ref('Cluster'), getAtt('WorkerService', 'Name')]] },
        MinCapacity: ref('MinCount'),
        MaxCapacity: ref('MaxCount'),
      },
    },
    WorkerBacklogScaling: {
      Type: 'AWS::ApplicationAutoScaling::ScalingPolicy',
      Properties: {
        PolicyName: sub('${AWS::StackName}-backlog-per-task'),
        PolicyType: 'TargetTrackingScaling',
        ScalingTargetId: ref('WorkerScalableTarget'),
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: ref('BacklogPerTask'),
          ScaleOutCooldown: 60,
          ScaleInCooldown: 300,
          // Backlog per task = visible commands / running tasks (metric math; MinCount >= 1 keeps the divisor positive).
          CustomizedMetricSpecification: {
            Metrics: [
              {
                Id: 'visible',
                ReturnData: false,
                MetricStat: {
                  Metric: {
                    Namespace: 'AWS/SQS',
                    MetricName: 'ApproximateNumberOfMessagesVisible',
                    Dimensions: [{ Name: 'QueueName', Value: getAtt('CommandQueue', 'QueueName') }],
                  },
                  Stat: 'Sum',
                },
              },
              {
                Id: 'tasks',
                ReturnData: false,
                MetricStat: {
                  Metric: {
                    Namespace: 'ECS/ContainerInsights',
                    MetricName: 'RunningTaskCount',
                    Dimensions: [
                      { Name: 'ClusterName', Value: ref('Cluster') },
                      { Name: 'ServiceName', Value: getAtt('WorkerService', 'Name') },
                    ],
                  },
                  Stat: 'Average',
                },
              },
              { Id: 'backlogPerTask', Label: 'Visible commands per running task', Expression: 'visible / tasks', ReturnData: true },
            ],
          },
        },
      },
    },
  };
}

/** A CloudWatch alarm on `metric` (namespace, name, dimensions, statistic), notifying the optional alarm topic. */
export function alarm(description: string, metric: Cfn, threshold: unknown, evaluationPeriods: unknown): Resource {
  const actions = { 'Fn::If': ['HasAlarmTopic', [ref('AlarmTopicArn')], NO_VALUE] };
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      ...metric,
      Period: 60,
      EvaluationPeriods: evaluationPeriods,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: actions,
      OKActions: actions,
    },
  };
}

export function alarmResources(): Record<string, Resource> {
  const sqsMetric = (metricName: string, queue: GrantTarget) => ({
    Namespace: 'AWS/SQS',
    MetricName: metricName,
    Dimensions: [{ Name: 'QueueName', Value: getAtt(queue, 'QueueName') }],
    Statistic: 'Maximum',
  });
  const throttles = (table: GrantTarget) => ({
    Namespace: 'AWS/DynamoDB',
    MetricName: 'WriteThrottleEvents',
    Dimensions: [{ Name: 'TableName', Value: ref(table) }],
    Statistic: 'Sum',
  });
  return {
    DeadLetterQueueAlarm: alarm(
      'Commands reached the dead-letter queue: they failed every delivery and need an operator (see docs/deploy.md).',
      sqsMetric('ApproximateNumberOfMessagesVisible', 'DeadLetterQueue'),
      0,
      1,
    ),
    OldestCommandAlarm: alarm(
      'The oldest waiting command is older than OldestMessageAlarmSeconds: workers are down, at MaxCount, or stuck on a hot user.',
      sqsMetric('ApproximateAgeOfOldestMessage', 'CommandQueue'),
      ref('OldestMessageAlarmSeconds'),
      3,
    ),
    UsersWriteThrottleAlarm: alarm(
      'Writes to the Users table are throttled (on-demand limits or a hot partition).',
      throttles('UsersTable'),
      0,
      5,
    ),
    TransactionsWriteThrottleAlarm: alarm(
      'Writes to the Transactions table are throttled (on-demand limits or a hot partition).',
      throttles('TransactionsTable'),
      0,
      5,
    ),
  };
}
