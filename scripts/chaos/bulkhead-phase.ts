import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { DeleteCommand, NumberValue, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '../../src/clients.js';
import { EnvSchema, loadConfig } from '../../src/config.js';
import type { Command } from '../../src/messages/command.js';
import type { Reply } from '../../src/messages/reply.js';
import { listDeadLetters } from '../../src/queue/dead-letters.js';
import { ensureQueues } from '../../src/resources/provision.js';
import type { Random } from '../support/random.js';
import type { ChaosOptions } from './chaos-options.js';
import { buildPlan, planKeys, type ChaosPlan } from './command-plan.js';
import { queueDepth } from './evidence.js';
import { ReplySink } from './reply-sink.js';
import { publish, seedUsers } from './traffic.js';
import { WorkerFleet } from './worker-fleet.js';
import { NO_FAULTS } from './worker-protocol.js';

/**
 * The bulkhead phase (issue 20): worker processes with the default settings
 * decide ordinary traffic in which one wallet is hot and throttled in
 * bursts, while commands on items that are not money data (a user whose
 * balance is text, one whose balance is negative, keys that hold a corrupt
 * record) arrive among them. Every poison command must reach the DLQ at
 * once with its reason; nothing else may: every healthy command is decided
 * once and answered, however long the hot wallet is throttled.
 */
export interface BulkheadOptions {
  /** Distinct healthy commands (0 skips the phase). */
  commands: number;
  users: number;
  /** Share of the commands made for the hot wallet. */
  hotShare: number;
  throttleOnMs: number;
  throttleOffMs: number;
  /** Commands on each corrupt item. */
  poisonPerItem: number;
  publishPerSecond: number;
  drainTimeoutMs: number;
}

export interface BulkheadFigures {
  commands: number;
  hot_commands: number;
  throttled_transactions: number;
  poison_sent: number;
  poison_dead_lettered: number;
  healthy_dead_lettered: number;
  /** From the last send to every healthy key answered and every poison key dead-lettered. */
  drain_ms: number | null;
}

export interface BulkheadResult {
  plan: ChaosPlan;
  replies: Reply[];
  unparseableReplies: number;
  deliveries: number;
  figures: BulkheadFigures;
  problems: string[];
}

interface PhaseContext {
  options: ChaosOptions;
  random: Random;
  runId: string;
  clients: AwsClients;
  tables: { users: string; transactions: string };
  endpoints: { sqs: string; dynamodb: string };
  logDir: string;
  log(line: string): void;
}

const QUEUES = {
  WALLET_COMMAND_QUEUE: 'chaos-bulkhead-commands',
  WALLET_REPLY_QUEUE: 'chaos-bulkhead-replies',
  WALLET_DEAD_LETTER_QUEUE: 'chaos-bulkhead-commands-dlq',
};

export async function runBulkheadPhase(context: PhaseContext): Promise<BulkheadResult> {
  const { options, clients, tables, log } = context;
  const phase = options.bulkhead;
  const runId = `${context.runId}-bulkhead`;
  // Money commands only: a frozen hot wallet would refuse most of the burst the throttling is about.
  const plan = buildPlan(
    { ...options.plan, commands: phase.commands, users: phase.users, hotShare: phase.hotShare, wallets: undefined },
    context.random,
    runId,
  );
  const hot = plan.users[0]?.userId ?? '';
  const blank = Object.fromEntries(Object.keys(EnvSchema.shape).flatMap((name) => (name.startsWith('WALLET_') ? [[name, '']] : [])));
  const env = {
    ...blank,
    WALLET_STACK: 'endpoint',
    AWS_ENDPOINT_URL_SQS: context.endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: context.endpoints.dynamodb,
    ...QUEUES,
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'info',
  };
  const config = loadConfig(env);
  const queueUrls = await ensureQueues(clients.sqs, config);
  const logDir = join(context.logDir, 'bulkhead');
  mkdirSync(logDir, { recursive: true });
  const throttleEnv = {
    CHAOS_THROTTLE_USER: hot,
    CHAOS_THROTTLE_ON_MS: String(phase.throttleOnMs),
    CHAOS_THROTTLE_OFF_MS: String(phase.throttleOffMs),
  };
  const fleet = new WorkerFleet({
    count: options.workers,
    env: { ...env, ...NO_FAULTS, ...throttleEnv },
    logDir,
    seed: options.seed + 2_000,
    log,
  });
  const sink = new ReplySink(clients.sqs, queueUrls.reply);
  const problems: string[] = [];
  await seedUsers(clients.ddb, tables.users, plan);
  const fixtures = await plantCorruptItems(context, runId, plan);
  const poison = poisonCommands(runId, fixtures, phase.poisonPerItem);
  const poisonKeys = new Set(poison.map((command) => command.idempotentKey));
  const keys = planKeys(plan);
  const hotCommands = plan.commands.filter(({ command }) => command.userId === hot).length;
  let drainMs: number | null = null;
  let healthyDeadLettered = 0;
  let poisonDeadLettered = 0;
  try {
    log(
      `bulkhead phase: ${keys.size} keys (${hotCommands} on the hot wallet, throttled ${phase.throttleOnMs} ms of every ${phase.throttleOnMs + phase.throttleOffMs}), ${poison.length} poison commands on ${fixtures.length} corrupt items; worker logs in ${logDir}`,
    );
    sink.start();
    await fleet.start();
    // The poison commands go out among the healthy ones: first, in the middle and last.
    const thirds = [
      poison.filter((_, index) => index % 3 === 0),
      poison.filter((_, index) => index % 3 === 1),
      poison.filter((_, index) => index % 3 === 2),
    ];
    await sendBodies(clients, queueUrls.command, thirds[0] ?? []);
    const half = Math.floor(plan.sends.length / 2);
    await publish(clients.sqs, queueUrls.command, { ...plan, sends: plan.sends.slice(0, half) }, phase.publishPerSecond, () => undefined);
    await sendBodies(clients, queueUrls.command, thirds[1] ?? []);
    await publish(clients.sqs, queueUrls.command, { ...plan, sends: plan.sends.slice(half) }, phase.publishPerSecond, () => undefined);
    await sendBodies(clients, queueUrls.command, thirds[2] ?? []);
    const sentAt = Date.now();
    const deadline = sentAt + phase.drainTimeoutMs;
    let onDeadLetter = 0;
    while (Date.now() < deadline) {
      const answered = sink.countAnswered(keys) === keys.size;
      const [onQueue, dead] = await Promise.all([
        queueDepth(clients.sqs, queueUrls.command),
        queueDepth(clients.sqs, queueUrls.deadLetter),
      ]);
      onDeadLetter = dead;
      if (answered && onQueue === 0 && onDeadLetter >= poison.length) {
        drainMs = Date.now() - sentAt;
        break;
      }
      await sleep(250);
    }
    if (drainMs === null)
      problems.push(
        `bulkhead: not drained within ${phase.drainTimeoutMs} ms (${sink.countAnswered(keys)}/${keys.size} healthy keys answered, ${onDeadLetter}/${poison.length} poison dead-lettered)`,
      );
    const letters = await listDeadLetters(clients.sqs, queueUrls.deadLetter);
    for (const letter of letters) {
      const key = keyOf(letter.body);
      if (!poisonKeys.has(key)) {
        healthyDeadLettered++;
        problems.push(`bulkhead: healthy command ${key} was dead-lettered (${letter.reason?.code ?? 'by SQS after maxReceiveCount'})`);
      } else if (letter.reason?.code !== 'corrupt_item' || letter.receiveCount > 2) {
        problems.push(
          `bulkhead: poison command ${key} reached the DLQ with reason ${letter.reason?.code ?? 'none'} after ${letter.receiveCount} receives (want corrupt_item at once)`,
        );
      } else {
        poisonDeadLettered++;
      }
    }
    const answeredPoison = [...poisonKeys].filter((key) => sink.repliedKeys.has(key));
    if (answeredPoison.length > 0)
      problems.push(`bulkhead: ${answeredPoison.length} poison commands were answered instead of dead-lettered`);
    problems.push(...(await fleet.stop()));
    await sink.stop();
    problems.push(...fleet.crashes);
    const throttled = fleet.faults.get('throttle') ?? 0;
    if (phase.throttleOnMs > 0 && throttled === 0) problems.push('bulkhead: the hot wallet was never throttled');
    log(
      `bulkhead phase: ${throttled} transactions throttled; ${poisonDeadLettered}/${poison.length} poison dead-lettered, ${healthyDeadLettered} healthy dead-lettered; drained ${drainMs ?? '—'} ms after the last send`,
    );
    return {
      plan,
      replies: sink.replies,
      unparseableReplies: sink.unparseable,
      deliveries: fleet.deliveries,
      figures: {
        commands: keys.size,
        hot_commands: hotCommands,
        throttled_transactions: throttled,
        poison_sent: poison.length,
        poison_dead_lettered: poisonDeadLettered,
        healthy_dead_lettered: healthyDeadLettered,
        drain_ms: drainMs,
      },
      problems,
    };
  } finally {
    await fleet.stop().catch(() => []);
    // The corrupt items are this phase's fixtures: the run's ledger checks read only money data.
    await removeCorruptItems(context, fixtures);
  }
}

type Fixture = { kind: 'user'; userId: string } | { kind: 'record'; key: string; userId: string };

/** A user whose balance is text, one whose balance is negative, and keys that hold a record of no known shape. */
async function plantCorruptItems(context: PhaseContext, runId: string, plan: ChaosPlan): Promise<Fixture[]> {
  const { ddb } = context.clients;
  const fixtures: Fixture[] = [
    { kind: 'user', userId: `${runId}-balance-is-text` },
    { kind: 'user', userId: `${runId}-balance-is-negative` },
    { kind: 'record', key: `${runId}-corrupt-record-hot`, userId: plan.users[0]?.userId ?? '' },
    { kind: 'record', key: `${runId}-corrupt-record`, userId: plan.users[1]?.userId ?? '' },
  ];
  await ddb.send(
    new PutCommand({
      TableName: context.tables.users,
      Item: { userId: fixtures[0]?.kind === 'user' ? fixtures[0].userId : '', balance: 'a lot' },
    }),
  );
  await ddb.send(
    new PutCommand({
      TableName: context.tables.users,
      Item: { userId: fixtures[1]?.kind === 'user' ? fixtures[1].userId : '', balance: NumberValue.from('-5'), version: 3 },
    }),
  );
  for (const fixture of fixtures) {
    if (fixture.kind !== 'record') continue;
    await ddb.send(
      new PutCommand({
        TableName: context.tables.transactions,
        Item: { idempotentKey: fixture.key, userId: fixture.userId, type: 'credit', status: 'maybe' },
      }),
    );
  }
  return fixtures;
}

async function removeCorruptItems(context: PhaseContext, fixtures: Fixture[]): Promise<void> {
  for (const fixture of fixtures) {
    const request =
      fixture.kind === 'user'
        ? { TableName: context.tables.users, Key: { userId: fixture.userId } }
        : { TableName: context.tables.transactions, Key: { idempotentKey: fixture.key } };
    await context.clients.ddb.send(new DeleteCommand(request));
  }
}

/** Credits and debits on each corrupt user, and one credit under each corrupt record's key (one command per key). */
function poisonCommands(runId: string, fixtures: Fixture[], perItem: number): Command[] {
  return fixtures.flatMap((fixture, item): Command[] => {
    if (fixture.kind === 'record') return [{ idempotentKey: fixture.key, userId: fixture.userId, type: 'credit', amount: '1.00' }];
    return Array.from({ length: perItem }, (_, index) => ({
      idempotentKey: `${runId}-poison-${item}-${index}`,
      userId: fixture.userId,
      type: index % 2 === 0 ? 'credit' : 'debit',
      amount: '1.00',
    }));
  });
}

async function sendBodies(clients: AwsClients, queueUrl: string, commands: Command[]): Promise<void> {
  for (let start = 0; start < commands.length; start += 10) {
    const entries = commands
      .slice(start, start + 10)
      .map((command, index) => ({ Id: String(index), MessageBody: JSON.stringify(command) }));
    await clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
}

function keyOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { idempotentKey?: unknown };
    return typeof parsed.idempotentKey === 'string' ? parsed.idempotentKey : body;
  } catch {
    return body;
  }
}
