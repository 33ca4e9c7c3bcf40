import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { singleCommandItems } from '../../src/ledger/transact-items.js';
import { nextDecisionTime } from '../../src/ledger/decide/decision-time.js';
import type { AppliedRecord } from '../../src/ledger/model.js';
import { userFromItem } from '../../src/ledger/item-codec.js';
import type { CreditOrDebit, CreditOrDebit as Command } from '../../src/messages/command.js';
import { parseAmount } from '../../src/money/money.js';
import { KeyedLock } from './keyed-lock.js';
import type { Wallet } from '../../src/wallet.js';
import type { CpuSpent } from './cpu.js';
import type { WorkerMeters } from './meter.js';
import type { Progress } from './progress.js';
import { OPENING_BALANCE_CENTS } from './stack.js';
import { summarize, throughput, type LatencySummary } from './stats.js';

/**
 * How a command is written without the queue:
 * - `ceiling`: the one TransactWriteItems the pipeline cannot avoid (Put the
 *   record if its key is new + Update the user conditional on balance and
 *   version), from state this process already knows;
 * - `read-write`: one consistent GetItem of the user, then that transaction
 *   (the core's happy path before its user-state cache);
 * - `seed-style`: what a naive service does: read the key, read the user,
 *   transact, read the user again to report the balance.
 */
export type DirectStyle = 'ceiling' | 'read-write' | 'seed-style';

/**
 * A direct run's style: one of runDirect's, `engine` (the group-commit
 * engine without the queue) or `largest-group` (one user's largest
 * transactions back to back), both in engine-direct.ts.
 */
export type DirectRunStyle = DirectStyle | 'engine' | 'largest-group';

export interface DirectRun {
  style: DirectRunStyle;
  concurrency: number;
  commands: number;
  elapsedMs: number;
  tps: number;
  latencyMs: LatencySummary;
  /** What the run asked of DynamoDB (set by runDirectPhase, which meters the wallet). */
  meters?: WorkerMeters;
  /** Size of a user item after the run, for the WCU of its Updates. */
  userItemBytes?: number;
  /** CPU time of the driver (which runs the writes here) and the DynamoDB Local JVM (set by the phase runners). */
  cpu?: CpuSpent;
}

export interface UserSeen {
  balance: bigint;
  version: number;
  /** Every user write is conditional on the last decision time it read (rejections stay ordered). */
  lastDecidedAt?: string | undefined;
}

/**
 * Applies the commands with `concurrency` loops. One user's commands run one
 * at a time (as the worker's KeyedLock does), so the optimistic checks never
 * fail and every call is useful work.
 */
export async function runDirect(
  wallet: Wallet,
  style: DirectStyle,
  commands: readonly Command[],
  concurrency: number,
  /** What this process last wrote per user (the ceiling writes from it); shared by runs on the same tables. */
  known: Map<string, UserSeen>,
  progress?: Progress,
): Promise<DirectRun> {
  const lock = new KeyedLock();
  const latencies: number[] = [];
  let next = 0;

  async function apply(command: Command): Promise<void> {
    const startedAt = performance.now();
    if (style === 'seed-style') await readKey(wallet, command.idempotentKey);
    const seen =
      style === 'ceiling'
        ? (known.get(command.userId) ?? { balance: OPENING_BALANCE_CENTS, version: 0 })
        : await readUser(wallet, command.userId);
    const written = await transact(wallet, command, seen);
    if (style === 'seed-style') await readUser(wallet, command.userId);
    known.set(command.userId, written);
    latencies.push(performance.now() - startedAt);
    progress?.tick();
  }

  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < commands.length) {
        const command = commands[next++] as Command;
        await lock.run(command.userId, () => apply(command));
      }
    }),
  );
  const elapsedMs = performance.now() - startedAt;
  progress?.done();
  return {
    style,
    concurrency,
    commands: commands.length,
    elapsedMs,
    tps: throughput(commands.length, elapsedMs),
    latencyMs: summarize(latencies),
  };
}

/** The core's own write (decisionTransactItems), from state this process already knows. */
async function transact(wallet: Wallet, command: CreditOrDebit, seen: UserSeen): Promise<UserSeen> {
  const amount = parseAmount(command.amount);
  const newBalance = command.type === 'credit' ? seen.balance + amount : seen.balance - amount;
  const now = nextDecisionTime(seen.lastDecidedAt, Date.now());
  const record: AppliedRecord = {
    idempotentKey: command.idempotentKey,
    transactionId: randomUUID(),
    userId: command.userId,
    type: command.type,
    amount,
    timestamp: now,
    status: 'applied',
    newBalance,
    newHeld: 0n,
    version: seen.version + 1,
  };
  const user = {
    userId: command.userId,
    balance: seen.balance,
    version: seen.version,
    lastDecidedAt: seen.lastDecidedAt,
    holds: new Map(),
  };
  await wallet.clients.ddb.send(new TransactWriteCommand({ TransactItems: singleCommandItems(wallet.config.tables, record, user) }));
  return { balance: newBalance, version: record.version, lastDecidedAt: now };
}

async function readUser(wallet: Wallet, userId: string): Promise<UserSeen> {
  const { Item } = await wallet.clients.ddb.send(
    new GetCommand({ TableName: wallet.config.tables.users, Key: { userId }, ConsistentRead: true }),
  );
  if (!Item) throw new Error(`bench user ${userId} is missing`);
  return userFromItem(Item);
}

async function readKey(wallet: Wallet, idempotentKey: string): Promise<void> {
  await wallet.clients.ddb.send(
    new GetCommand({ TableName: wallet.config.tables.transactions, Key: { idempotentKey }, ConsistentRead: true }),
  );
}
