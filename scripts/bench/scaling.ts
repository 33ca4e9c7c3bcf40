import type { Logger } from 'pino';
import { runDirectPhase } from './direct-phase.js';
import type { DirectRun } from './direct-apply.js';
import { runEndToEnd, type EndToEndOptions, type EndToEndRun } from './end-to-end.js';
import { windowFor, type BenchOptions } from './options.js';
import type { BenchStack } from './stack.js';
import { round } from './stats.js';
import { formatTable } from './table.js';

export interface ScalingRow {
  dimension: 'workers' | 'users';
  e2e: EndToEndRun;
  /** The ceiling for the same user count, right after the row (concurrency capped at the user count: one write per user at a time). */
  ceiling: DirectRun;
}

export interface HotUserBound {
  /** One user, one TransactWriteItems at a time: the bound is 1 / its latency. */
  transactWrite: DirectRun;
  /** The core's current path for one user: consistent GetItem + TransactWriteItems, serially. */
  readWrite: DirectRun;
}

export interface ScalingReport {
  rows: ScalingRow[];
  hotUser: HotUserBound;
}

/** 0 = the worker inside the driver process (next to fauxqs), for comparison with separate processes. */
const WORKER_COUNTS = [0, 1, 2, 4];
const USER_COUNTS = [1, 100, 1_000];
/** One hot user is serial (~hundreds/s): fewer commands keep the run short. */
const HOT_USER_COMMANDS = 1_000;

/** Throughput with 1, 2, 4 worker processes, and with 1, 100, 1,000 users. */
export async function runScaling(
  stack: BenchStack,
  logger: Logger,
  options: BenchOptions,
  base: EndToEndOptions,
  bestConcurrency: number,
): Promise<ScalingReport> {
  // Measured right after each row, so both sides of its ratio saw the same machine load.
  const ceilingAfter = async (users: number, commands: number) => {
    const [run] = await runDirectPhase(stack, logger, 'ceiling', {
      users,
      commands,
      concurrencies: [Math.min(bestConcurrency, users)],
      label: `ceiling u=${users}`,
    });
    if (!run) throw new Error('the ceiling run returned nothing');
    return run;
  };

  const rows: ScalingRow[] = [];
  for (const workers of WORKER_COUNTS) {
    const e2e = await runEndToEnd(stack, logger, {
      ...base,
      label: `w${workers}-u${options.users}`,
      workers,
      commands: options.scalingCommands,
      window: windowFor(options, workers),
    });
    rows.push({ dimension: 'workers', e2e, ceiling: await ceilingAfter(options.users, options.scalingCommands) });
  }
  for (const users of USER_COUNTS) {
    const commands = users === 1 ? HOT_USER_COMMANDS : options.scalingCommands;
    const e2e = await runEndToEnd(stack, logger, { ...base, label: `w${base.workers}-u${users}`, users, commands });
    rows.push({ dimension: 'users', e2e, ceiling: await ceilingAfter(users, commands) });
  }

  const hot = { users: 1, commands: HOT_USER_COMMANDS, concurrencies: [1] };
  const [transactWrite] = await runDirectPhase(stack, logger, 'ceiling', { ...hot, label: 'hot user write' });
  const [readWrite] = await runDirectPhase(stack, logger, 'read-write', { ...hot, label: 'hot user read+write' });
  if (!transactWrite || !readWrite) throw new Error('a hot-user run returned nothing');
  return { rows, hotUser: { transactWrite, readWrite } };
}

const tps = (value: number) => String(round(value));
const ms = (value: number) => round(value, 1).toFixed(1);

/** The scaling table and the hot user's bound, as text. */
export function scalingLines(scaling: ScalingReport): string[] {
  const rows = scaling.rows.map(({ dimension, e2e, ceiling }) => [
    dimension,
    String(e2e.workers),
    String(e2e.users),
    String(e2e.commands),
    tps(e2e.tps),
    tps(ceiling.tps),
    round(e2e.tps / ceiling.tps, 2).toFixed(2),
    ms(e2e.latencyMs.p50),
    ms(e2e.latencyMs.p99),
    e2e.workerReports.map((worker) => `${worker.memoryAtStart.rssMb}->${worker.memoryAtEnd.rssMb}`).join(' '),
  ]);
  const { transactWrite, readWrite } = scaling.hotUser;
  return [
    formatTable(['scaling', 'workers', 'users', 'commands', 'e2e tps', 'ceiling tps', 'ratio', 'p50 ms', 'p99 ms', 'worker RSS MB'], rows),
    '',
    `hot user bound: one TransactWrite at a time, p50 ${ms(transactWrite.latencyMs.p50)} ms -> ${tps(transactWrite.tps)} tps; ` +
      `GetItem + TransactWrite, p50 ${ms(readWrite.latencyMs.p50)} ms -> ${tps(readWrite.tps)} tps`,
  ];
}
