import { EMF_METRICS } from '../src/observability/emf.js';
import { getAtt, ref, type Cfn, type Resource } from './cfn.js';
import { alarm } from './worker-service.js';

/**
 * Alarms and a dashboard on the worker's own metrics: the CloudWatch EMF
 * lines it writes on stdout when WALLET_METRICS_EMF=true (src/observability/
 * emf.ts), extracted by CloudWatch Logs from the awslogs stream. Every metric
 * carries the dimension Queue = the command queue's name, so two stacks in
 * one account never mix; the dimensionless-per-label aggregates are what the
 * alarms watch.
 */
export const METRICS_NAMESPACE = 'WalletWorker';

/** The worker variables that turn the EMF lines on, for the task definition's environment. */
export function observabilityEnvironment(): { Name: string; Value: unknown }[] {
  return [
    { Name: 'WALLET_METRICS_EMF', Value: 'true' },
    { Name: 'WALLET_METRICS_EMF_NAMESPACE', Value: METRICS_NAMESPACE },
  ];
}

export function observabilityParameters(): Record<string, Cfn> {
  return {
    EndToEndLatencyAlarmMs: {
      Type: 'Number',
      Default: 5000,
      MinValue: 100,
      Description: 'Alarm when p99 of command sent → reply published exceeds this many ms for 5 minutes',
    },
    PollPausedAlarmMinutes: {
      Type: 'Number',
      Default: 5,
      MinValue: 1,
      MaxValue: 60,
      Description: 'Alarm when a worker has paused polling (store unavailable) for this many minutes in a row',
    },
  };
}

const name = (promName: keyof typeof EMF_METRICS & string): string => EMF_METRICS[promName]?.name ?? promName;
const queueDimension = () => [{ Name: 'Queue', Value: getAtt('CommandQueue', 'QueueName') }];

/** An alarm on one of our own EMF metrics, per command queue. */
function metricAlarm(description: string, metric: Cfn, threshold: unknown, evaluationPeriods: unknown): Resource {
  return alarm(description, { Namespace: METRICS_NAMESPACE, Dimensions: queueDimension(), ...metric }, threshold, evaluationPeriods);
}

export function observabilityResources(): Record<string, Resource> {
  return {
    WorkerDeadLetteredAlarm: metricAlarm(
      "A worker left a command for the dead-letter queue after its last delivery failed while the store was healthy (the reason is the DeadLettered metric's reason dimension and the log line).",
      { MetricName: name('wallet_dead_lettered_total'), Statistic: 'Sum' },
      0,
      1,
    ),
    WorkerPollPausedAlarm: metricAlarm(
      'A worker has paused polling for PollPausedAlarmMinutes: DynamoDB or SQS is unavailable to it. Commands wait on the queue (nothing is dead-lettered); see docs/operations.md.',
      { MetricName: name('wallet_poll_paused'), Statistic: 'Maximum' },
      0,
      ref('PollPausedAlarmMinutes'),
    ),
    WorkerEndToEndLatencyAlarm: metricAlarm(
      'p99 from a command being sent to its reply being published is above EndToEndLatencyAlarmMs: backlog, conflicts on hot users, or a slow store.',
      { MetricName: name('wallet_end_to_end_duration_seconds'), ExtendedStatistic: 'p99', Unit: 'Milliseconds' },
      ref('EndToEndLatencyAlarmMs'),
      5,
    ),
    WorkerDashboard: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: {
        DashboardName: { 'Fn::Sub': '${AWS::StackName}-wallet-worker' },
        DashboardBody: {
          'Fn::Sub': [
            JSON.stringify(dashboardBody()),
            { Queue: getAtt('CommandQueue', 'QueueName'), DeadLetterQueue: getAtt('DeadLetterQueue', 'QueueName') },
          ],
        },
      },
    },
  };
}

/** The dashboard, with ${Queue}, ${DeadLetterQueue} and ${AWS::Region} left for Fn::Sub. */
function dashboardBody() {
  const search = (metric: string, dimensions: string[], stat: string) => ({
    expression: `SEARCH('{${METRICS_NAMESPACE},${['Queue', ...dimensions].join(',')}} MetricName="${metric}" Queue="\${Queue}"', '${stat}', 60)`,
    id: `e${metric.toLowerCase()}`,
  });
  const own = (metric: string, stat: string, label = `${metric} ${stat}`) => [
    METRICS_NAMESPACE,
    metric,
    'Queue',
    '${Queue}',
    { stat, label },
  ];
  const widget = (title: string, metrics: unknown[], x: number) => ({
    type: 'metric',
    x,
    width: 12,
    height: 6,
    properties: { title, region: '${AWS::Region}', view: 'timeSeries', stacked: false, period: 60, metrics },
  });
  const rows = [
    [
      widget('Commands decided by type, status and reason', [[search('CommandsDecided', ['type', 'status', 'reason'], 'Sum')]], 0),
      widget(
        'Latency (ms)',
        [own('EndToEndLatency', 'p50'), own('EndToEndLatency', 'p99'), own('DecideLatency', 'p50'), own('DecideLatency', 'p99')],
        12,
      ),
    ],
    [
      widget(
        'Replays, reused keys, invalid commands, conflict retries',
        [own('Replays', 'Sum'), own('ReusedKeys', 'Sum'), own('InvalidCommands', 'Sum'), own('ConflictRetries', 'Sum')],
        0,
      ),
      widget(
        'Dead-lettered (worker) and on the DLQ (SQS)',
        [
          own('DeadLettered', 'Sum'),
          ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', '${DeadLetterQueue}', { stat: 'Maximum', label: 'on the DLQ' }],
        ],
        12,
      ),
    ],
    [
      widget(
        'Messages in flight (all tasks) and polling paused (any task)',
        [own('MessagesInFlight', 'Sum'), own('PollPaused', 'Maximum'), own('PollPauses', 'Sum')],
        0,
      ),
      widget(
        'Backlog and group commit',
        [
          ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', '${Queue}', { stat: 'Maximum', label: 'visible commands' }],
          own('GroupCommitSize', 'Average', 'decisions per write (avg)'),
          own('GroupCommitSize', 'p99', 'decisions per write (p99)'),
        ],
        12,
      ),
    ],
  ];
  return { widgets: rows.flatMap((row, index) => row.map((each) => ({ ...each, y: index * 6 }))) };
}
