import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { benchCommands } from './commands.js';
import { runDirect, type DirectRun, type DirectStyle, type UserSeen } from './direct-apply.js';
import { createProgress } from './progress.js';
import { benchUserIds, openPhase, phaseEnv, seedBenchUsers, type BenchStack } from './stack.js';

export interface CeilingSearch {
  probes: DirectRun[];
  best: DirectRun;
}

/** One style of direct apply on fresh tables: `commands` over `users`, at each of `concurrencies`. */
export async function runDirectPhase(
  stack: BenchStack,
  logger: Logger,
  style: DirectStyle,
  { users, commands, concurrencies, label = style }: { users: number; commands: number; concurrencies: number[]; label?: string },
): Promise<DirectRun[]> {
  const wallet = await openPhase(phaseEnv(stack, `${label}-${randomUUID().slice(0, 8)}`), logger);
  try {
    const userIds = benchUserIds(users);
    await seedBenchUsers(wallet, userIds);
    const known = new Map<string, UserSeen>();
    const runs: DirectRun[] = [];
    for (const concurrency of concurrencies) {
      const batch = benchCommands(`${style}-${concurrency}-${randomUUID().slice(0, 8)}`, commands, userIds);
      runs.push(await runDirect(wallet, style, batch, concurrency, known, createProgress(`${label} c=${concurrency}`, batch.length)));
    }
    return runs;
  } finally {
    await wallet.close();
  }
}

/** Probes every concurrency, then measures the best one again on a longer run (that run is the ceiling). */
export async function findCeiling(
  stack: BenchStack,
  logger: Logger,
  { users, probeCommands, commands, concurrencies }: { users: number; probeCommands: number; commands: number; concurrencies: number[] },
): Promise<CeilingSearch> {
  const probes = await runDirectPhase(stack, logger, 'ceiling', { users, commands: probeCommands, concurrencies, label: 'ceiling probe' });
  const bestProbe = probes.reduce((best, run) => (run.tps > best.tps ? run : best));
  const [best] = await runDirectPhase(stack, logger, 'ceiling', { users, commands, concurrencies: [bestProbe.concurrency] });
  if (!best) throw new Error('the ceiling run returned nothing');
  return { probes, best };
}
