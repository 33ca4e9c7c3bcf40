import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../src/clients.js';
import { EnvSchema, loadConfig } from '../../src/config.js';
import type { Reply } from '../../src/messages/reply.js';
import type { QueueUrls } from '../../src/resources/definitions.js';
import { ensureQueues } from '../../src/resources/provision.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import type { ChaosOptions } from './chaos-options.js';
import { buildPlan, mergePlans, planKeys, type ChaosPlan } from './command-plan.js';
import { queueDepth } from './evidence.js';
import type { Random } from '../support/random.js';
import { ReplySink } from './reply-sink.js';
import { messageCount, publish, seedUsers } from './traffic.js';
import { WorkerFleet } from './worker-fleet.js';
import { NO_FAULTS } from './worker-protocol.js';

export type OutageKind = 'refused' | 'hung';

export interface OutagePhaseFigures {
  kind: OutageKind;
  outageMs: number;
  /** Keys (valid and invalid bodies) sent during the phase. */
  commands: number;
  /** From the store's return to every key of the phase answered and the command queue empty. */
  drainMs: number | undefined;
  /** Deliveries beyond one per message sent: a held message whose visibility ran out, or one handed back. */
  redeliveries: number;
}

export interface OutageStageResult {
  /** Every phase's plan as one, for the run's invariant check. */
  plan: ChaosPlan;
  replies: Reply[];
  unparseableReplies: number;
  deliveries: number;
  phases: OutagePhaseFigures[];
  /** Left on the stage's queues after its workers stopped; its DLQ is never redriven. */
  leftOnQueues: { command: number; deadLetter: number };
  problems: string[];
}

interface StageContext {
  options: ChaosOptions;
  random: Random;
  runId: string;
  clients: AwsClients;
  usersTable: string;
  endpoints: { sqs: string; dynamodb: string };
  logDir: string;
  log(line: string): void;
}

/** Queues of their own: the chaos run's queues have a raised maxReceiveCount, these keep the default. */
const OUTAGE_QUEUES = {
  WALLET_COMMAND_QUEUE: 'chaos-outage-commands',
  WALLET_REPLY_QUEUE: 'chaos-outage-replies',
  WALLET_DEAD_LETTER_QUEUE: 'chaos-outage-commands-dlq',
};
const PROGRESS_EVERY_MS = 15_000;

/**
 * The outage phases (SPEC rule 10): worker processes with the default
 * settings reach DynamoDB Local through a TCP proxy, which refuses
 * connections for one phase and hangs for the other while commands flow in.
 * After each phase the store comes back and the backlog must drain with
 * nothing dead-lettered. Nothing is redriven here: a command on the DLQ
 * stays there and fails the run.
 */
export async function runOutagePhases(context: StageContext): Promise<OutageStageResult> {
  const { options, clients, log } = context;
  const phases = (
    [
      { kind: 'refused', outageMs: options.outage.refuseMs },
      { kind: 'hung', outageMs: options.outage.hangMs },
    ] as const
  ).filter((phase) => phase.outageMs > 0);
  const proxy = await TcpProxy.start(context.endpoints.dynamodb);
  const env = outageWorkerEnv(context, proxy.endpoint);
  const config = loadConfig(env);
  const queueUrls = await ensureQueues(clients.sqs, config);
  const logDir = join(context.logDir, 'outage');
  mkdirSync(logDir, { recursive: true });
  const fleet = new WorkerFleet({ count: options.workers, env: { ...env, ...NO_FAULTS }, logDir, seed: options.seed + 1_000, log });
  const sink = new ReplySink(clients.sqs, queueUrls.reply);
  const problems: string[] = [];
  const plans: ChaosPlan[] = [];
  const figures: OutagePhaseFigures[] = [];
  try {
    log(
      `outage phases: ${phases.map((phase) => `${phase.kind} ${phase.outageMs / 1000} s`).join(', ')}; workers with maxReceiveCount ${config.maxReceiveCount}, ` +
        `visibility timeout ${config.worker.visibilityTimeoutSeconds} s, retry base ${config.worker.retryBaseSeconds} s; worker logs in ${logDir}`,
    );
    sink.start();
    await fleet.start();
    for (const phase of phases) {
      // Freezes and currencies among the traffic, but no prelude: this phase publishes while the store is away.
      const wallets = options.plan.wallets && { ...options.plan.wallets, opened: 0, closed: 0 };
      const plan = buildPlan(
        { ...options.plan, commands: options.outage.commandsPerPhase, users: options.outage.usersPerPhase, wallets },
        context.random,
        `${context.runId}-${phase.kind}`,
      );
      plans.push(plan);
      await seedUsers(clients.ddb, context.usersTable, plan);
      const keys = planKeys(plan);
      const validKeys = new Set(plan.commands.map((planned) => planned.command.idempotentKey));
      const messages = messageCount(plan);
      let published = 0;
      const deliveriesBefore = fleet.deliveries;
      log(
        `outage "${phase.kind}": DynamoDB ${phase.kind === 'refused' ? 'refuses connections' : 'hangs'} for ${phase.outageMs / 1000} s while ${messages} messages flow in`,
      );
      if (phase.kind === 'refused') proxy.cut();
      else proxy.hang();
      const startedAt = Date.now();
      const progress = async () =>
        `outage "${phase.kind}" ${((Date.now() - startedAt) / 1000).toFixed(0)} s: published ${published}/${messages}, keys answered ${sink.countAnswered(keys)}/${keys.size}, ` +
        `deliveries ${fleet.deliveries}, connections refused ${proxy.refusedConnections}, hung ${proxy.hungConnections}, ` +
        `on the DLQ ${await queueDepth(clients.sqs, queueUrls.deadLetter)}`;
      // Paced over most of the phase, so commands arrive while the workers are already paused.
      const publishing = publish(
        clients.sqs,
        queueUrls.command,
        plan,
        messages / ((phase.outageMs * 0.8) / 1000),
        (count) => (published += count),
      );
      let nextProgress = startedAt + PROGRESS_EVERY_MS;
      while (Date.now() < startedAt + phase.outageMs) {
        await sleep(Math.min(250, startedAt + phase.outageMs - Date.now()));
        if (Date.now() >= nextProgress && Date.now() < startedAt + phase.outageMs) {
          nextProgress += PROGRESS_EVERY_MS;
          log(await progress());
        }
      }
      await publishing;
      log(await progress());
      // Only invalid bodies can be answered without the store: a valid one answered now means the outage was not one.
      const answeredDuringOutage = sink.countAnswered(validKeys);
      if (answeredDuringOutage > 0)
        problems.push(
          `${answeredDuringOutage} commands were answered while DynamoDB was ${phase.kind}: the outage did not reach the workers`,
        );
      if ((phase.kind === 'refused' ? proxy.refusedConnections : proxy.hungConnections) === 0)
        problems.push(`no worker tried DynamoDB while it ${phase.kind}`);
      const deadLetteredDuringOutage = await queueDepth(clients.sqs, queueUrls.deadLetter);
      proxy.restore({ resetHung: !options.outage.hungStaySilent });
      const restoredAt = Date.now();
      log(`outage "${phase.kind}" over: DynamoDB answers again; ${deadLetteredDuringOutage} on the DLQ; draining`);
      const drained = await waitDrained(clients.sqs, queueUrls, keys, sink, options.outage.drainTimeoutMs);
      const drainMs = drained.problem === undefined ? drained.at - restoredAt : undefined;
      if (drained.problem) problems.push(`outage "${phase.kind}": ${drained.problem}`);
      const redeliveries = fleet.deliveries - deliveriesBefore - messages;
      log(
        drainMs === undefined
          ? `outage "${phase.kind}": ${drained.problem}`
          : `outage "${phase.kind}": backlog drained ${drainMs} ms after DynamoDB came back; ${redeliveries} redeliveries`,
      );
      figures.push({ kind: phase.kind, outageMs: phase.outageMs, commands: keys.size, drainMs, redeliveries });
    }
    problems.push(...(await fleet.stop()));
    await sink.stop();
    problems.push(...fleet.crashes);
    return {
      plan: mergePlans(plans),
      replies: sink.replies,
      unparseableReplies: sink.unparseable,
      deliveries: fleet.deliveries,
      phases: figures,
      leftOnQueues: {
        command: await queueDepth(clients.sqs, queueUrls.command),
        deadLetter: await queueDepth(clients.sqs, queueUrls.deadLetter),
      },
      problems,
    };
  } finally {
    await fleet.stop().catch(() => []);
    await proxy.close();
  }
}

/**
 * The service's variables for the outage workers: every WALLET_* variable
 * the schema knows is blanked (an empty value means "not set") unless set
 * here, so nothing inherited from the caller's environment raises a limit.
 */
function outageWorkerEnv(context: StageContext, dynamodbEndpoint: string): Record<string, string> {
  const blank = Object.fromEntries(Object.keys(EnvSchema.shape).flatMap((name) => (name.startsWith('WALLET_') ? [[name, '']] : [])));
  const retryBase = context.options.outage.retryBaseSeconds;
  return {
    ...blank,
    WALLET_STACK: 'endpoint',
    AWS_ENDPOINT_URL_SQS: context.endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    ...OUTAGE_QUEUES,
    ...(retryBase !== undefined && { WALLET_RETRY_BASE_SECONDS: String(retryBase) }),
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'info',
  };
}

/** Waits, without redriving anything, until every key has a reply and the command queue is empty. */
async function waitDrained(
  sqs: SQSClient,
  queueUrls: QueueUrls,
  keys: ReadonlySet<string>,
  sink: ReplySink,
  timeoutMs: number,
): Promise<{ at: number; problem?: string }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answered = sink.countAnswered(keys) === keys.size;
    const [onQueue, onDeadLetter] = await Promise.all([queueDepth(sqs, queueUrls.command), queueDepth(sqs, queueUrls.deadLetter)]);
    if (onDeadLetter > 0) return { at: Date.now(), problem: `${onDeadLetter} command(s) dead-lettered (left on the DLQ, not redriven)` };
    if (answered && onQueue === 0) return { at: Date.now() };
    await sleep(100);
  }
  return {
    at: Date.now(),
    problem: `backlog not drained within ${timeoutMs} ms of DynamoDB's return (${sink.countAnswered(keys)}/${keys.size} keys answered)`,
  };
}
