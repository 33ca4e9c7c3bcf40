import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { LedgerEngine } from '../../src/ledger/engine.js';
import type { AppliedRecord, UserState } from '../../src/ledger/model.js';
import { recordPut, userAction } from '../../src/ledger/transact-items.js';
import type { Command } from '../../src/messages/command.js';
import { formatMoney } from '../../src/money/money.js';
import {
  benchCommands,
  openedUserIds,
  statusUserIds,
  walletSetupStages,
  withWalletPairs,
  type Distribution,
  type WalletMix,
} from './commands.js';
import type { DirectRun } from './direct-apply.js';
import { cpuClock } from './cpu.js';
import { emptyMeters, meterWallet, type WorkerMeters } from './meter.js';
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
import { summarize, throughput } from './stats.js';

/**
 * The group-commit engine straight against DynamoDB, no queue: `inFlight / 10`
 * loops each submit 10 commands (as a poller's batch) and wait for their
 * results, so the engine holds what a worker with that many messages in
 * flight would. What this reaches is the database side's bound for the
 * grouped design on this machine; the queue-only run is the other side's.
 */
export async function runEngineDirect(
  stack: BenchStack,
  logger: Logger,
  {
    users,
    commands,
    distribution,
    inFlight,
    label,
    warmupCommands = 0,
    env = {},
    walletMix,
  }: {
    users: number;
    commands: number;
    distribution: Distribution;
    inFlight: number;
    label: string;
    warmupCommands?: number;
    env?: Record<string, string>;
    /** The same wallet commands as the scenario's end-to-end runs, so the two are compared on one workload. */
    walletMix?: WalletMix;
  },
): Promise<DirectRun> {
  const wallet = await openPhase(phaseEnv(stack, `${label}-${randomUUID().slice(0, 8)}`, env), logger);
  try {
    const userIds = benchUserIds(users);
    const opened = openedUserIds(userIds, walletMix);
    await seedBenchUsers(wallet, userIds.slice(opened.length));
    const engine = new LedgerEngine({ ddb: wallet.clients.ddb, config: wallet.config, logger });
    const runId = `engine-${randomUUID().slice(0, 8)}`;
    if (walletMix) {
      const currency = wallet.config.defaultCurrency;
      await openThroughEngine(engine, `${runId}o`, opened, statusUserIds(walletMix.statusUsers), currency);
    }
    if (warmupCommands > 0) {
      // The same warm-up as an end-to-end run's (users of their own, unmeasured), so the pipeline is compared with an engine as warm as its own.
      await seedBenchUsers(wallet, WARMUP_USERS);
      const warmup = benchCommands(`${runId}w`, warmupCommands, WARMUP_USERS);
      const progress = createProgress(`warm-up ${label}`, warmup.length);
      await drive(engine, warmup, inFlight, (count) => progress.tick(count), []);
      progress.done();
    }
    const meters: WorkerMeters = emptyMeters();
    meterWallet(wallet.clients, meters);
    const money = benchCommands(runId, commands, userIds, distribution);
    const batch: Command[] = walletMix ? withWalletPairs(money, walletMix) : money;
    const progress = createProgress(label, batch.length);
    const latencies: number[] = [];
    const cpu = cpuClock(stack.dynamodbPid);
    const startedAt = performance.now();
    await drive(engine, batch, inFlight, (count) => progress.tick(count), latencies);
    const elapsedMs = performance.now() - startedAt;
    const spent = cpu();
    progress.done();
    await engine.stop();
    return {
      style: 'engine',
      cpu: spent,
      concurrency: inFlight,
      commands: batch.length,
      elapsedMs,
      tps: throughput(batch.length, elapsedMs),
      latencyMs: summarize(latencies),
      meters,
      userItemBytes: (await readUserItem(wallet, userIds[0] as string)).bytes,
    };
  } finally {
    await closePhase(wallet);
  }
}

/** The end-to-end run's wallet set-up (end-to-end.ts openWallets), through the engine. */
async function openThroughEngine(
  engine: LedgerEngine,
  setupRunId: string,
  funded: readonly string[],
  unfunded: readonly string[],
  currency: string,
): Promise<void> {
  for (const { commands } of walletSetupStages(setupRunId, funded, unfunded, currency, formatMoney(OPENING_BALANCE_CENTS, 3))) {
    for (let start = 0; start < commands.length; start += 10) {
      const results = await engine.submit(commands.slice(start, start + 10));
      const notApplied = results.find(
        (result) => result.kind !== 'decided' || result.outcome.kind !== 'decided' || result.outcome.record.status !== 'applied',
      );
      if (notApplied) throw new Error(`a wallet set-up command was not applied: ${JSON.stringify(notApplied)}`);
    }
  }
}

/** `inFlight / 10` loops each submit 10 commands (a poller's batch) and wait for their results; each command's latency goes to `latencies`. */
async function drive(
  engine: LedgerEngine,
  batch: readonly Command[],
  inFlight: number,
  tick: (count: number) => void,
  latencies: number[],
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.floor(inFlight / 10)) }, async () => {
      while (next < batch.length) {
        const slice: Command[] = batch.slice(next, next + 10);
        next += slice.length;
        const submittedAt = performance.now();
        const results = await engine.submit(slice);
        const failed = results.find((result) => result.kind !== 'decided');
        if (failed) throw new Error(`the engine did not decide a bench command: ${JSON.stringify(failed)}`);
        const now = performance.now();
        for (const _ of slice) latencies.push(now - submittedAt);
        tick(slice.length);
      }
    }),
  );
}

/**
 * The hot user's bound under group commit: one user's transactions are
 * serial (each is conditional on the state the previous one wrote), so one
 * user can never go faster than (largest group) / (latency of the largest
 * transaction). Measured here with the core's own actions: one user Update
 * plus `groupSize` record Puts, one transaction at a time.
 */
export async function runLargestGroup(
  stack: BenchStack,
  logger: Logger,
  { transactions, groupSize, label, env = {} }: { transactions: number; groupSize: number; label: string; env?: Record<string, string> },
): Promise<DirectRun> {
  const wallet = await openPhase(phaseEnv(stack, `${label}-${randomUUID().slice(0, 8)}`, env), logger);
  try {
    const [userId] = benchUserIds(1) as [string];
    await seedBenchUsers(wallet, [userId]);
    const meters: WorkerMeters = emptyMeters();
    meterWallet(wallet.clients, meters);
    const runId = `largest-${randomUUID().slice(0, 8)}`;
    let user: UserState = { userId, balance: OPENING_BALANCE_CENTS, version: 0, holds: new Map() };
    const latencies: number[] = [];
    const progress = createProgress(label, transactions * groupSize);
    const cpu = cpuClock(stack.dynamodbPid);
    const startedAt = performance.now();
    for (let transaction = 0; transaction < transactions; transaction++) {
      const timestamp = new Date().toISOString();
      const records: AppliedRecord[] = Array.from({ length: groupSize }, (_, offset) => ({
        idempotentKey: `${runId}-${transaction * groupSize + offset}`,
        transactionId: randomUUID(),
        userId,
        type: 'credit',
        amount: 1_000n,
        timestamp,
        status: 'applied',
        newBalance: user.balance + 1_000n * BigInt(offset + 1),
        newHeld: 0n,
        version: user.version + offset + 1,
      }));
      const last = records[records.length - 1] as AppliedRecord;
      const after: UserState = { userId, balance: last.newBalance, version: last.version, lastDecidedAt: timestamp, holds: new Map() };
      const sentAt = performance.now();
      await wallet.clients.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            userAction(wallet.config.tables.users, userId, { before: user, after }),
            ...records.map((record) => recordPut(wallet.config.tables.transactions, record)),
          ],
        }),
      );
      latencies.push(performance.now() - sentAt);
      user = after;
      progress.tick(groupSize);
    }
    const elapsedMs = performance.now() - startedAt;
    progress.done();
    const commands = transactions * groupSize;
    return {
      style: 'largest-group',
      cpu: cpu(),
      concurrency: 1,
      commands,
      elapsedMs,
      tps: throughput(commands, elapsedMs),
      latencyMs: summarize(latencies),
      meters,
      userItemBytes: (await readUserItem(wallet, userId)).bytes,
    };
  } finally {
    await closePhase(wallet);
  }
}
