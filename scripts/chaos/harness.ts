import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createAwsClients } from '../../src/clients.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { WALLET_COMMAND_TYPES } from '../../src/messages/wallet-commands.js';
import { redriveDeadLetters } from '../../src/queue/dead-letters.js';
import { ensureQueues, ensureTables } from '../../src/resources/provision.js';
import type { ChaosOptions } from './chaos-options.js';
import { ChaosStack } from './chaos-stack.js';
import { buildPlan, mergePlans, planKeys } from './command-plan.js';
import { queueDepth, scanAll } from './evidence.js';
import { discrepancyLine } from '../../src/audit/report-text.js';
import { auditLedger } from '../../src/audit/verify-ledger.js';
import { checkInvariants, type ChaosVerdict } from './invariants.js';
import { runBulkheadPhase, type BulkheadFigures, type BulkheadResult } from './bulkhead-phase.js';
import { runOutagePhases, type OutageKind } from './outage-phases.js';
import { seededRandom, type Random } from '../support/random.js';
import { ReplySink } from './reply-sink.js';
import { messageCount, publish, seedUsers } from './traffic.js';
import { WorkerFleet } from './worker-fleet.js';

export interface ChaosFigures {
  commands: number;
  deliveries: number;
  worker_kills: number;
  ddb_restarts: number;
  lost: number;
  double_applied: number;
  negative_balances: number;
  ledger_consistent: boolean;
  replies_missing: number;
  /** Commands of the wallet types (open, freeze, unfreeze, close) among `commands`, reused-key variants included. */
  wallet_commands: number;
  /** Commands sent during the outage phases (counted in `commands` too). */
  outage_commands: number;
  /**
   * Messages that reached a DLQ, counted before any redrive: the chaos phase's (which it redrives and
   * reports) plus the outage phases' (never redriven).
   */
  dlq_before_redrive: number;
  outage_ms: Partial<Record<OutageKind, number>>;
  /** Per outage phase, from DynamoDB's return to its backlog drained (absent: it did not drain). */
  outage_drain_ms: Partial<Record<OutageKind, number | null>>;
  /** Per outage phase, deliveries beyond one per message (the heartbeat keeps held messages from coming back). */
  outage_redeliveries: Partial<Record<OutageKind, number>>;
  /** The bulkhead phase (corrupt items, a throttled hot wallet); absent when skipped. */
  bulkhead?: BulkheadFigures;
}

export interface ChaosResult {
  figures: ChaosFigures;
  verdict: ChaosVerdict;
  /** Every invariant violation and harness failure; the run passed when empty. */
  problems: string[];
  /** Commands SQS dead-lettered during the run (redriven before the checks). */
  deadLettered: number;
  faults: Record<string, number>;
  logDir: string;
}

/**
 * One chaos run on its own embedded stack: publish the plan while killing
 * workers, restarting DynamoDB Local and injecting SDK faults; drain;
 * redrive the DLQ; stop the workers gracefully; then the outage phases
 * (DynamoDB refusing, then hanging, default worker settings, no redrive);
 * then the bulkhead phase (corrupt items among the traffic, a hot wallet
 * throttled in bursts); then check every invariant over all of them.
 */
export async function runChaos(options: ChaosOptions, log: (line: string) => void): Promise<ChaosResult> {
  const random = seededRandom(options.seed);
  const runId = `${options.seed}-${Date.now().toString(36)}`;
  const logDir = mkdtempSync(join(tmpdir(), 'wallet-chaos-logs-'));
  log(`seed ${options.seed}; worker logs in ${logDir}`);
  const stack = await ChaosStack.start(createLogger('warn', 'chaos-stack'));
  const env = serviceEnv(options, stack.endpoints);
  const config = loadConfig(env);
  const clients = createAwsClients(config);
  const fleet = new WorkerFleet({ count: options.workers, env: { ...env, ...faultEnv(options) }, logDir, seed: options.seed, log });
  const problems: string[] = [];
  let passed = false;
  try {
    await ensureTables(clients.ddb, config);
    const queueUrls = await ensureQueues(clients.sqs, config);
    const plan = buildPlan(options.plan, random, runId);
    await seedUsers(clients.ddb, config.tables.users, plan);
    const sink = new ReplySink(clients.sqs, queueUrls.reply);
    sink.start();
    await fleet.start();
    const keys = planKeys(plan);
    const messages = messageCount(plan);
    const opened = plan.users.filter((user) => user.opened).length;
    const closed = plan.users.filter((user) => user.closes).length;
    log(
      `${plan.commands.length + plan.invalid.length} commands (${keys.size} keys) as ${messages} messages, ${plan.users.length} users (${opened} opened through open, ${closed} closed before the traffic), ${options.workers} workers`,
    );

    let published = 0;
    let ddbRestarts = 0;
    const progress = () =>
      `published ${published}/${messages}, replies ${sink.replies.length}, keys answered ${sink.countAnswered(keys)}/${keys.size}, ` +
      `deliveries ${fleet.deliveries}, kills ${fleet.kills}/${options.kills}, ddb restarts ${ddbRestarts}/${options.ddbRestarts}, faults ${JSON.stringify(Object.fromEntries(fleet.faults))}`;
    const ticker = setInterval(() => log(progress()), 2_000);
    try {
      // The wallet prelude (opens, drains, freezes, closes), stage by stage, each answered before the next and the traffic.
      for (const [index, stage] of plan.preludes.entries()) {
        await publish(clients.sqs, queueUrls.command, stage, options.publishPerSecond, (count) => (published += count));
        const stageKeys = new Set(stage.keys);
        const deadline = Date.now() + options.drainTimeoutMs;
        while (sink.countAnswered(stageKeys) < stageKeys.size) {
          if (Date.now() > deadline) throw new Error(`wallet prelude stage ${index + 1} not answered within ${options.drainTimeoutMs} ms`);
          await sleep(100);
        }
        log(`wallet prelude stage ${index + 1}/${plan.preludes.length} answered (${stageKeys.size} commands)`);
      }
      const publishing = publish(clients.sqs, queueUrls.command, plan, options.publishPerSecond, (count) => (published += count));
      // Paced by what is published, not by what is answered: answers run behind the deliveries, so a kill
      // due at 80% of the keys answered came once every message had been handed out and waited 10 s for
      // a batch that never came (an idle kill). By the publish count, traffic still flows at every fault.
      const faults = runFaultSchedule(options, random, () => published / messages, {
        kill: async () => log(`SIGKILL ${await fleet.killOneMidBatch(random)}`),
        restartDynamoDb: async () => {
          const hard = options.ddbCrash && ddbRestarts % 2 === 0;
          log(`stopping DynamoDB Local (${hard ? 'SIGKILL' : 'SIGTERM'})`);
          await stack.stopDynamoDb(hard);
          await sleep(options.ddbOutageMs);
          await stack.restartDynamoDb();
          ddbRestarts++;
          log('DynamoDB Local is back (same port, same data directory)');
        },
      });
      await Promise.all([publishing, faults]);
      log('all published, every fault injected; draining');
      const drained = await drain(clients.sqs, queueUrls, keys, sink, options.drainTimeoutMs, log);
      problems.push(...drained.problems);
      problems.push(...(await fleet.stop()));
      await sink.stop();
      log(progress());
      clearInterval(ticker);

      const outage = await runOutagePhases({
        options,
        random,
        runId,
        clients,
        usersTable: config.tables.users,
        endpoints: stack.endpoints,
        logDir,
        log,
      });
      problems.push(...outage.problems);
      let bulkhead: BulkheadResult | undefined;
      if (options.bulkhead.commands > 0) {
        bulkhead = await runBulkheadPhase({
          options,
          random,
          runId,
          clients,
          tables: config.tables,
          endpoints: stack.endpoints,
          logDir,
          log,
        });
        problems.push(...bulkhead.problems);
      }
      const checked = mergePlans([plan, outage.plan, ...(bulkhead ? [bulkhead.plan] : [])]);
      const verdict = checkInvariants({
        plan: checked,
        transactionItems: await scanAll(clients.ddb, config.tables.transactions),
        userItems: await scanAll(clients.ddb, config.tables.users),
        replies: [...sink.replies, ...outage.replies, ...(bulkhead?.replies ?? [])],
        unparseableReplies: sink.unparseable + outage.unparseableReplies + (bulkhead?.unparseableReplies ?? 0),
        leftOnQueues: {
          command: (await queueDepth(clients.sqs, queueUrls.command)) + outage.leftOnQueues.command,
          deadLetter: (await queueDepth(clients.sqs, queueUrls.deadLetter)) + outage.leftOnQueues.deadLetter,
        },
      });
      problems.push(...verdict.problems, ...fleet.crashes);
      // npm run verify's audit over the same tables: rule 6 and every user's hash chain after all that chaos.
      const audit = await auditLedger({ ddb: clients.ddb, config }, { recheckDelayMs: 0 });
      log(`ledger audit: ${audit.users} users, ${audit.applied} applied entries, ${audit.discrepancyCount} discrepancies`);
      problems.push(...audit.discrepancies.map((discrepancy) => `ledger audit:${discrepancyLine(discrepancy)}`));
      if (fleet.kills < options.kills) problems.push(`only ${fleet.kills} of ${options.kills} worker kills happened`);
      if (ddbRestarts < options.ddbRestarts) problems.push(`only ${ddbRestarts} of ${options.ddbRestarts} DynamoDB restarts happened`);
      const outageCommands = outage.phases.reduce((sum, phase) => sum + phase.commands, 0);
      const result: ChaosResult = {
        figures: {
          commands: plan.commands.length + plan.invalid.length + outageCommands + (bulkhead?.figures.commands ?? 0),
          wallet_commands: checked.commands.filter(({ command }) => (WALLET_COMMAND_TYPES as readonly string[]).includes(command.type))
            .length,
          deliveries: fleet.deliveries + outage.deliveries + (bulkhead?.deliveries ?? 0),
          worker_kills: fleet.kills,
          ddb_restarts: ddbRestarts,
          lost: verdict.lost,
          double_applied: verdict.doubleApplied,
          negative_balances: verdict.negativeBalances,
          ledger_consistent: verdict.ledgerConsistent,
          replies_missing: verdict.repliesMissing,
          outage_commands: outageCommands,
          dlq_before_redrive: drained.deadLettered + outage.leftOnQueues.deadLetter,
          outage_ms: Object.fromEntries(outage.phases.map((phase) => [phase.kind, phase.outageMs])),
          outage_drain_ms: Object.fromEntries(outage.phases.map((phase) => [phase.kind, phase.drainMs ?? null])),
          outage_redeliveries: Object.fromEntries(outage.phases.map((phase) => [phase.kind, phase.redeliveries])),
          ...(bulkhead && { bulkhead: bulkhead.figures }),
        },
        verdict,
        problems,
        deadLettered: drained.deadLettered,
        faults: Object.fromEntries(fleet.faults),
        logDir,
      };
      passed = problems.length === 0;
      return result;
    } finally {
      clearInterval(ticker);
    }
  } finally {
    await fleet.stop().catch(() => []);
    clients.destroy();
    await stack.stop();
    // Worker logs are only worth keeping when something went wrong.
    if (passed) rmSync(logDir, { recursive: true, force: true });
  }
}

function serviceEnv(options: ChaosOptions, endpoints: { sqs: string; dynamodb: string }): Record<string, string> {
  return {
    WALLET_STACK: 'endpoint',
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    WALLET_VISIBILITY_TIMEOUT_SECONDS: String(options.visibilityTimeoutSeconds),
    WALLET_WAIT_TIME_SECONDS: '1',
    WALLET_RETRY_BASE_SECONDS: String(options.retryBaseSeconds),
    WALLET_MAX_RECEIVE_COUNT: String(options.maxReceiveCount),
    WALLET_POLLERS: String(options.pollersPerWorker),
    // info: each decision is logged, so a violation can be traced through the kept worker logs.
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'info',
  };
}

function faultEnv(options: ChaosOptions): Record<string, string> {
  return {
    CHAOS_FAULT_BEFORE: String(options.faults.before),
    CHAOS_FAULT_AFTER: String(options.faults.after),
    CHAOS_FAULT_STALL: String(options.faults.stall),
    CHAOS_SLOW_REPLY: String(options.faults.slowReply),
    CHAOS_FAULT_SQS: String(options.faults.sqs),
    // Past the visibility timeout, so the stalled message is redelivered to someone else meanwhile.
    CHAOS_STALL_MS: String(options.visibilityTimeoutSeconds * 1000 + 1500),
  };
}

/** Fires the kills and DynamoDB restarts, interleaved, as progress passes 10%…80% of the messages published. */
async function runFaultSchedule(
  options: ChaosOptions,
  random: Random,
  progress: () => number,
  actions: { kill: () => Promise<void>; restartDynamoDb: () => Promise<void> },
): Promise<void> {
  const schedule = [
    ...Array.from({ length: options.kills }, (_, index) => ({ at: 0.1 + (0.7 * (index + random())) / options.kills, run: actions.kill })),
    ...Array.from({ length: options.ddbRestarts }, (_, index) => ({
      at: 0.15 + (0.6 * (index + random())) / options.ddbRestarts,
      run: actions.restartDynamoDb,
    })),
  ].sort((a, b) => a.at - b.at);
  for (const fault of schedule) {
    while (progress() < fault.at) await sleep(100);
    await fault.run();
  }
}

/** Waits until every key has a reply and the command queue is empty, redriving anything SQS dead-lettered. */
async function drain(
  sqs: SQSClient,
  queueUrls: { command: string; deadLetter: string },
  keys: Set<string>,
  sink: ReplySink,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<{ deadLettered: number; problems: string[] }> {
  const deadline = Date.now() + timeoutMs;
  let deadLettered = 0;
  while (Date.now() < deadline) {
    const [onQueue, onDeadLetter] = await Promise.all([queueDepth(sqs, queueUrls.command), queueDepth(sqs, queueUrls.deadLetter)]);
    if (onDeadLetter > 0) {
      const { moved } = await redriveDeadLetters(sqs, queueUrls);
      deadLettered += moved;
      log(`redrove ${moved} dead-lettered command(s) to the command queue`);
      continue;
    }
    if (onQueue === 0 && sink.countAnswered(keys) === keys.size) return { deadLettered, problems: [] };
    await sleep(250);
  }
  return { deadLettered, problems: [`not drained within ${timeoutMs} ms`] };
}
