import { parseAmount } from '../../src/money/money.js';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import { userFromItem } from '../../src/ledger/items.js';
import { type CreditOrDebit as Command } from '../../src/messages/command.js';
import type { Wallet } from '../../src/wallet.js';
import { benchCommands, commandIndex } from './commands.js';
import { createProgress } from './progress.js';
import { benchUserIds, OPENING_BALANCE_CENTS, openPhase, phaseEnv, seedBenchUsers, type BenchStack } from './stack.js';
import { summarize, throughput, type LatencySummary } from './stats.js';
import { startWorkerInProcess, startWorkerProcesses, type WorkerReport } from './worker-pool.js';

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
}

export interface EndToEndRun {
  label: string;
  commands: number;
  users: number;
  workers: number;
  window: number;
  elapsedMs: number;
  publishMs: number;
  tps: number;
  latencyMs: LatencySummary;
  duplicateReplies: number;
  rejected: number;
  balancesChecked: number;
  balanceMismatches: number;
  workerReports: WorkerReport[];
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
    await seedBenchUsers(wallet, userIds);
    const commands = benchCommands(runId, options.commands, userIds);
    const pool = options.workers === 0 ? startWorkerInProcess(wallet) : await startWorkerProcesses(options.workers, env);

    const progress = createProgress(`e2e ${options.label}`, commands.length);
    const sentAt = new Float64Array(commands.length);
    const repliedAt = new Float64Array(commands.length);
    const window = new Window(options.window);
    const startedAt = performance.now();
    let publishMs: number;
    let collected: { duplicates: number; rejected: number };
    try {
      [publishMs, collected] = await Promise.all([
        publish(wallet, commands, sentAt, options.publishConcurrency, window).then((end) => end - startedAt),
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
      elapsedMs,
      publishMs,
      tps: throughput(commands.length, elapsedMs),
      latencyMs: summarize(latencies),
      duplicateReplies: collected.duplicates,
      rejected: collected.rejected,
      ...balances,
      workerReports,
    };
  } finally {
    await wallet.close();
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

async function publish(wallet: Wallet, commands: readonly Command[], sentAt: Float64Array, concurrency: number, window: Window): Promise<number> {
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

const STALL_MS = 60_000;

/** Reads replies until every command has one; replies are at-least-once, so duplicates are counted, not timed. */
async function collect(wallet: Wallet, runId: string, repliedAt: Float64Array, collectors: number, onReply: () => void): Promise<{ duplicates: number; rejected: number }> {
  let remaining = repliedAt.length;
  let duplicates = 0;
  let rejected = 0;
  let lastReplyAt = performance.now();
  const deletes: Promise<unknown>[] = [];
  await Promise.all(
    Array.from({ length: collectors }, async () => {
      while (remaining > 0) {
        // A dead worker or a lost reply must end the bench with an error, not hang it.
        if (performance.now() - lastReplyAt > STALL_MS) throw new Error(`no reply for ${STALL_MS / 1000} s with ${remaining} commands unanswered`);
        const { Messages = [] } = await wallet.clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: wallet.queueUrls.reply, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 300 }),
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
              .send(new DeleteMessageBatchCommand({ QueueUrl: wallet.queueUrls.reply, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }))
              .catch(() => undefined),
          );
        }
      }
    }),
  );
  await Promise.all(deletes);
  return { duplicates, rejected };
}

/** Every user's stored balance must equal the opening balance plus its commands (all applied exactly once). */
async function checkBalances(wallet: Wallet, commands: readonly Command[], userIds: readonly string[]): Promise<{ balancesChecked: number; balanceMismatches: number }> {
  const expected = new Map(userIds.map((userId) => [userId, OPENING_BALANCE_CENTS]));
  for (const command of commands) {
    const amount = parseAmount(command.amount);
    expected.set(command.userId, (expected.get(command.userId) ?? 0n) + (command.type === 'credit' ? amount : -amount));
  }
  let balanceMismatches = 0;
  for (const [userId, balance] of expected) {
    const { Item } = await wallet.clients.ddb.send(new GetCommand({ TableName: wallet.config.tables.users, Key: { userId }, ConsistentRead: true }));
    if (!Item || userFromItem(Item).balance !== balance) balanceMismatches++;
  }
  return { balancesChecked: expected.size, balanceMismatches };
}
