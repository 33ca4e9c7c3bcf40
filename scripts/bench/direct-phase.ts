import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { benchCommands, type Distribution } from './commands.js';
import { runDirect, type DirectRun, type DirectStyle, type UserSeen } from './direct-apply.js';
import { cpuClock } from './cpu.js';
import { emptyMeters, meterWallet, type WorkerMeters } from './meter.js';
import { createProgress } from './progress.js';
import { benchUserIds, closePhase, openPhase, phaseEnv, readUserItem, seedBenchUsers, type BenchStack } from './stack.js';

/**
 * The ceiling: the best probe's concurrency, measured right before and right
 * after the end-to-end run; their mean is the figure, so load that other
 * users of a shared machine add or remove during the run cancels out.
 */
export interface CeilingSearch {
  probes: DirectRun[];
  before: DirectRun;
  after: DirectRun;
  tps: number;
}

/** One style of direct apply on fresh tables: `commands` over `users`, at each of `concurrencies`. */
export async function runDirectPhase(
  stack: BenchStack,
  logger: Logger,
  style: DirectStyle,
  {
    users,
    commands,
    concurrencies,
    label = style,
    distribution = 'round-robin',
    env = {},
  }: {
    users: number;
    commands: number;
    concurrencies: number[];
    label?: string;
    distribution?: Distribution;
    /** Overrides of the phase's environment (AWS_ENDPOINT_URL_DYNAMODB of a latency proxy). */
    env?: Record<string, string>;
  },
): Promise<DirectRun[]> {
  const wallet = await openPhase(phaseEnv(stack, `${label}-${randomUUID().slice(0, 8)}`, env), logger);
  try {
    const userIds = benchUserIds(users);
    await seedBenchUsers(wallet, userIds);
    const known = new Map<string, UserSeen>();
    const runs: DirectRun[] = [];
    // Metered per run (the seeding above is not counted).
    let meters: WorkerMeters = emptyMeters();
    meterWallet(wallet.clients, () => meters);
    for (const concurrency of concurrencies) {
      meters = emptyMeters();
      const batch = benchCommands(`${style}-${concurrency}-${randomUUID().slice(0, 8)}`, commands, userIds, distribution);
      const cpu = cpuClock(stack.dynamodbPid);
      const run = await runDirect(wallet, style, batch, concurrency, known, createProgress(`${label} c=${concurrency}`, batch.length));
      runs.push({ ...run, cpu: cpu(), meters, userItemBytes: (await readUserItem(wallet, userIds[0] as string)).bytes });
    }
    return runs;
  } finally {
    await closePhase(wallet);
  }
}

/** Tries every concurrency on a short run, on one set of fresh tables. */
export async function probeCeiling(
  stack: BenchStack,
  logger: Logger,
  { users, probeCommands, concurrencies }: { users: number; probeCommands: number; concurrencies: number[] },
): Promise<DirectRun[]> {
  return runDirectPhase(stack, logger, 'ceiling', { users, commands: probeCommands, concurrencies, label: 'ceiling probe' });
}

export function bestOf(runs: readonly DirectRun[]): DirectRun {
  const best = runs.reduce<DirectRun | undefined>((found, run) => (found === undefined || run.tps > found.tps ? run : found), undefined);
  if (!best) throw new Error('no run to pick from');
  return best;
}

export async function runCeiling(
  stack: BenchStack,
  logger: Logger,
  {
    users,
    commands,
    concurrency,
    label,
    distribution,
    env,
  }: { users: number; commands: number; concurrency: number; label?: string; distribution?: Distribution; env?: Record<string, string> },
): Promise<DirectRun> {
  const [run] = await runDirectPhase(stack, logger, 'ceiling', {
    users,
    commands,
    concurrencies: [concurrency],
    ...(label !== undefined && { label }),
    ...(distribution !== undefined && { distribution }),
    ...(env !== undefined && { env }),
  });
  if (!run) throw new Error('the ceiling run returned nothing');
  return run;
}
