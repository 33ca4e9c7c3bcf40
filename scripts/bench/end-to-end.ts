import { formatMoney, parseAmount } from '../../src/money/money.js';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import type { Command as AnyCommand } from '../../src/messages/command.js';
import type { Wallet } from '../../src/wallet.js';
import {
  benchCommands,
  commandIndex,
  openedUserIds,
  statusUserIds,
  walletSetupStages,
  withWalletPairs,
  type BenchCommand as Command,
  type Distribution,
  type WalletMix,
} from './commands.js';
import { ownCpuMs, processCpu, processCpuMs, type CpuSpent } from './cpu.js';
import { mergeMeters, type WorkerMeters } from './meter.js';
import { createProgress } from './progress.js';
import {
  benchUserIds,
  closePhase,
  OPENING_BALANCE_CENTS,
  openPhase,
  phaseEnv,
  readUserItem,
  seedBenchUsers,
  WARMUP_USERS,
  type BenchStack,
} from './stack.js';
import { summarize, throughput, type LatencySummary } from './stats.js';
import { startWorkerInProcess, startWorkerProcesses } from './worker-pool.js';
import type { WorkerReport } from './worker-protocol.js';

export interface EndToEndOptions {
  label: string;
  commands: number;
  users: number;
  /** Worker OS processes; 0 runs the worker inside the driver. */
  workers: number;
  /** Environment for the workers (WALLET_POLLERS, WALLET_MAX_SOCKETS, ...). */
  tuning: Record<string, string>;
  /** Concurrent SendMessageBatch calls of the publisher. */
  publishConcurrency: number;
  /** Concurrent ReceiveMessage loops on the reply queue. */
  collectors: number;
  /**
   * Most commands sent and not yet answered (0 = publish everything at once).
   * A window a little above what the workers hold in flight keeps them busy
   * without a standing backlog, so latency measures the pipeline, not the queue.
   */
  window: number;
  /**
   * Commands sent and answered before the measured run (to a user of their
   * own), so the fresh worker process's first seconds (module loading, JIT,
   * sockets) are not measured; its meters and memory are reset after them.
   */
  warmupCommands?: number;
  /** Open loop: publish at this many commands per second whatever the replies do (the window is then unused). */
  rate?: number;
  distribution?: Distribution;
  /** Environment for the workers only, on top of `tuning` (a latency proxy's DynamoDB endpoint, BENCH_QUEUE_ONLY). */
  workerEnv?: Record<string, string>;
  /** Node/V8 flags of the worker processes (e.g. --max-semi-space-size=32). */
  workerNodeArgs?: readonly string[];
  /** Wallet commands mixed in (commands.ts): users opened before the measured run, freeze/unfreeze pairs during it. */
  walletMix?: WalletMix;
}

export interface EndToEndRun {
  label: string;
  commands: number;
  users: number;
  workers: number;
  window: number;
  /** The paced rate asked for (open loop), if any. */
  rate?: number;
  elapsedMs: number;
  publishMs: number;
  /** Commands per second the publisher actually sent at (first to last send). */
  sentPerSecond: number;
  tps: number;
  latencyMs: LatencySummary;
  duplicateReplies: number;
  rejected: number;
  balancesChecked: number;
  balanceMismatches: number;
  /** Largest stored user item after the run, in bytes (what each user Update is charged on). */
  userItemBytes: number;
  workerReports: WorkerReport[];
  /** Every worker's DynamoDB and SQS requests and transactional writes, added up. */
  meters: WorkerMeters;
  /** CPU time of the driver (fauxqs, publisher, collectors), the workers and the DynamoDB Local JVM over the measured run. */
  cpu: CpuSpent;
}

/**
 * Publishes every command while the workers already poll, collects one reply
 * per command, and times it all: throughput from the first send to the last
 * reply; latency per command from just before its SendMessageBatch to the
 * receive that returned its reply (send times stay in this process, keyed by
 * the command's index, since the command schema refuses extra fields).
 */
export async function runEndToEnd(stack: BenchStack, logger: Logger, options: EndToEndOptions): Promise<EndToEndRun> {
  const runId = `r${randomUUID().slice(0, 8)}`;
  const env = phaseEnv(stack, `${options.label}-${runId}`, options.tuning);
  const wallet = await openPhase(env, logger);
  try {
    const userIds = benchUserIds(options.users);
    const opened = openedUserIds(userIds, options.walletMix);
    await seedBenchUsers(wallet, userIds.slice(opened.length));
    const money = benchCommands(runId, options.commands, userIds, options.distribution);
    const commands = options.walletMix ? withWalletPairs(money, options.walletMix) : money;
    const workerEnv = { ...env, ...options.workerEnv };
    const pool =
      options.workers === 0
        ? await startWorkerInProcess(workerEnv, logger)
        : await startWorkerProcesses(options.workers, workerEnv, options.workerNodeArgs);
    if (options.warmupCommands || options.walletMix) {
      try {
        if (options.walletMix) await openWallets(wallet, `${runId}o`, opened, statusUserIds(options.walletMix.statusUsers));
        if (options.warmupCommands) await warmUp(wallet, `${runId}w`, options);
        await pool.reset();
      } catch (error) {
        pool.kill();
        throw error;
      }
    }

    const progress = createProgress(`e2e ${options.label}`, commands.length);
    const sentAt = new Float64Array(commands.length);
    const repliedAt = new Float64Array(commands.length);
    const window = new Window(options.window);
    // The workers' CPU from /proc over exactly the measured span (first send to last reply): the worker processes alone, without their warm-up or their stop.
    const workersCpu = () =>
      pool.pids.reduce(
        (sum, pid) => {
          const { userMs, systemMs } = processCpu(pid);
          return { ms: sum.ms + userMs + systemMs, systemMs: sum.systemMs + systemMs };
        },
        { ms: 0, systemMs: 0 },
      );
    const cpuAtStart = { driverMs: ownCpuMs(), workers: workersCpu(), dynamodbMs: processCpuMs(stack.dynamodbPid) };
    const startedAt = performance.now();
    let publishMs: number;
    let collected: { duplicates: number; rejected: number };
    try {
      [publishMs, collected] = await Promise.all([
        (options.rate
          ? publishPaced(wallet, commands, sentAt, options.rate)
          : publish(wallet, commands, sentAt, options.publishConcurrency, window)
        ).then((end) => end - startedAt),
        collect(wallet, runId, repliedAt, options.collectors, () => {
          window.release();
          progress.tick();
        }),
      ]);
    } catch (error) {
      pool.kill();
      throw error;
    }
    progress.done();
    const cpuAtEnd = { driverMs: ownCpuMs(), workers: workersCpu(), dynamodbMs: processCpuMs(stack.dynamodbPid) };
    const workerReports = await pool.stop();

    const lastReply = repliedAt.reduce((latest, at) => Math.max(latest, at), 0);
    const elapsedMs = lastReply - startedAt;
    const latencies = Array.from(repliedAt, (at, index) => at - (sentAt[index] as number));
    const balances = await checkBalances(wallet, commands, userIds);
    return {
      label: options.label,
      commands: commands.length,
      users: options.users,
      workers: options.workers,
      window: options.window,
      ...(options.rate && { rate: options.rate }),
      elapsedMs,
      publishMs,
      sentPerSecond: throughput(commands.length, sentAt.reduce((latest, at) => Math.max(latest, at), 0) - startedAt),
      tps: throughput(commands.length, elapsedMs),
      latencyMs: summarize(latencies),
      duplicateReplies: collected.duplicates,
      rejected: collected.rejected,
      ...balances,
      workerReports,
      meters: mergeMeters(workerReports.map((report) => report.meters)),
      cpu: {
        driverMs: cpuAtEnd.driverMs - cpuAtStart.driverMs,
        // In the driver (no pids) the worker's CPU is part of driverMs.
        workerMs: cpuAtEnd.workers.ms - cpuAtStart.workers.ms,
        workerSystemMs: cpuAtEnd.workers.systemMs - cpuAtStart.workers.systemMs,
        dynamodbMs: cpuAtEnd.dynamodbMs - cpuAtStart.dynamodbMs,
      },
    };
  } finally {
    await closePhase(wallet);
  }
}

/** Sends the warm-up commands (closed loop, to users the run does not check) and waits for every reply. */
async function warmUp(wallet: Wallet, warmRunId: string, options: EndToEndOptions): Promise<void> {
  await seedBenchUsers(wallet, WARMUP_USERS);
  const commands = benchCommands(warmRunId, options.warmupCommands ?? 0, WARMUP_USERS);
  const window = new Window(options.window);
  const progress = createProgress(`warm-up ${options.label}`, commands.length);
  await Promise.all([
    publish(wallet, commands, new Float64Array(commands.length), options.publishConcurrency, window),
    collect(wallet, warmRunId, new Float64Array(commands.length), options.collectors, () => {
      window.release();
      progress.tick();
    }),
  ]);
  progress.done();
}

/**
 * Before the measured run, through the queue: opens `funded` (then credits
 * each the seed's opening balance, so they are like seeded users) and
 * `unfunded` (the users the freeze/unfreeze pairs act on).
 */
async function openWallets(wallet: Wallet, setupRunId: string, funded: readonly string[], unfunded: readonly string[]): Promise<void> {
  const currency = wallet.config.defaultCurrency;
  for (const { runId, commands } of walletSetupStages(setupRunId, funded, unfunded, currency, formatMoney(OPENING_BALANCE_CENTS, 3))) {
    for (let start = 0; start < commands.length; start += 10) await sendBatch(wallet, commands.slice(start, start + 10));
    const { rejected } = await collect(wallet, runId, new Float64Array(commands.length), 1, () => undefined);
    if (rejected > 0) throw new Error(`${rejected} of ${commands.length} wallet set-up commands were refused`);
  }
}

/** Counts commands in flight; acquire() waits while `size` are unanswered. */
class Window {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async acquire(count: number): Promise<void> {
    while (this.size > 0 && this.inFlight + count > this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight += count;
  }

  release(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }
}

async function publish(
  wallet: Wallet,
  commands: readonly Command[],
  sentAt: Float64Array,
  concurrency: number,
  window: Window,
): Promise<number> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < commands.length) {
        const start = next;
        const end = Math.min(commands.length, start + 10);
        next = end;
        await window.acquire(end - start);
        const now = performance.now();
        sentAt.fill(now, start, end);
        const { Failed = [] } = await wallet.clients.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: wallet.queueUrls.command,
            Entries: commands.slice(start, end).map((command, offset) => ({ Id: String(offset), MessageBody: JSON.stringify(command) })),
          }),
        );
        if (Failed.length > 0) throw new Error(`SendMessageBatch refused ${Failed.length} commands: ${JSON.stringify(Failed[0])}`);
      }
    }),
  );
  return performance.now();
}

/** Most SendMessageBatch calls of the paced publisher outstanding at once (a slow send must not stop the clock). */
const PACED_SENDS = 32;

/**
 * Open loop: batch i of 10 is sent at start + i × 10 / rate seconds, whether
 * or not earlier commands were answered, so latency is measured at a known
 * offered load instead of the load the pipeline lets through. If the driver
 * falls behind the schedule it sends at once (the achieved rate is reported).
 */
async function publishPaced(wallet: Wallet, commands: readonly Command[], sentAt: Float64Array, rate: number): Promise<number> {
  const batchEveryMs = (10 * 1000) / rate;
  const startedAt = performance.now();
  const sending = new Set<Promise<void>>();
  for (let start = 0, batch = 0; start < commands.length; start += 10, batch++) {
    const wait = startedAt + batch * batchEveryMs - performance.now();
    if (wait > 1) await sleep(wait);
    while (sending.size >= PACED_SENDS) await Promise.race(sending);
    const end = Math.min(commands.length, start + 10);
    sentAt.fill(performance.now(), start, end);
    const send: Promise<void> = sendBatch(wallet, commands.slice(start, end)).finally(() => sending.delete(send));
    sending.add(send);
  }
  await Promise.all(sending);
  return performance.now();
}

async function sendBatch(wallet: Wallet, batch: readonly AnyCommand[]): Promise<void> {
  const { Failed = [] } = await wallet.clients.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: wallet.queueUrls.command,
      Entries: batch.map((command, offset) => ({ Id: String(offset), MessageBody: JSON.stringify(command) })),
    }),
  );
  if (Failed.length > 0) throw new Error(`SendMessageBatch refused ${Failed.length} commands: ${JSON.stringify(Failed[0])}`);
}

const STALL_MS = 60_000;

/** Reads replies until every command has one; replies are at-least-once, so duplicates are counted, not timed. */
async function collect(
  wallet: Wallet,
  runId: string,
  repliedAt: Float64Array,
  collectors: number,
  onReply: () => void,
): Promise<{ duplicates: number; rejected: number }> {
  let remaining = repliedAt.length;
  let duplicates = 0;
  let rejected = 0;
  let lastReplyAt = performance.now();
  const deletes: Promise<unknown>[] = [];
  await Promise.all(
    Array.from({ length: collectors }, async () => {
      while (remaining > 0) {
        // A dead worker or a lost reply must end the bench with an error, not hang it.
        if (performance.now() - lastReplyAt > STALL_MS)
          throw new Error(`no reply for ${STALL_MS / 1000} s with ${remaining} commands unanswered`);
        const { Messages = [] } = await wallet.clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: wallet.queueUrls.reply,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 300,
          }),
        );
        const now = performance.now();
        for (const message of Messages) {
          // JSON.parse only (not the zod schema): this process also hosts fauxqs and must stay light.
          const reply = JSON.parse(message.Body ?? '{}') as { idempotentKey?: string; status?: string };
          const index = commandIndex(runId, reply.idempotentKey ?? '');
          if (index < 0) continue;
          if (repliedAt[index] !== 0) {
            duplicates++;
            continue;
          }
          repliedAt[index] = now;
          lastReplyAt = now;
          if (reply.status !== 'applied') rejected++;
          remaining--;
          onReply();
        }
        if (Messages.length > 0) {
          // Not awaited: the next receive need not wait for the delete.
          deletes.push(
            wallet.clients.sqs
              .send(
                new DeleteMessageBatchCommand({
                  QueueUrl: wallet.queueUrls.reply,
                  Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
                }),
              )
              .catch(() => undefined),
          );
        }
      }
    }),
  );
  await Promise.all(deletes);
  return { duplicates, rejected };
}

/** Every user's stored balance must equal the opening balance plus its commands (all applied exactly once); freezes move none. */
async function checkBalances(
  wallet: Wallet,
  commands: readonly Command[],
  userIds: readonly string[],
): Promise<{ balancesChecked: number; balanceMismatches: number; userItemBytes: number }> {
  const expected = new Map(userIds.map((userId) => [userId, OPENING_BALANCE_CENTS]));
  for (const command of commands) {
    if (command.type !== 'credit' && command.type !== 'debit') continue;
    const amount = parseAmount(command.amount);
    expected.set(command.userId, (expected.get(command.userId) ?? 0n) + (command.type === 'credit' ? amount : -amount));
  }
  let balanceMismatches = 0;
  let userItemBytes = 0;
  const entries = [...expected];
  // 16 reads at a time: the skewed workload has 1,000 users to check.
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let entry = entries.pop(); entry; entry = entries.pop()) {
        const [userId, balance] = entry;
        const stored = await readUserItem(wallet, userId);
        userItemBytes = Math.max(userItemBytes, stored.bytes);
        if (stored.user?.balance !== balance) balanceMismatches++;
      }
    }),
  );
  return { balancesChecked: expected.size, balanceMismatches, userItemBytes };
}
