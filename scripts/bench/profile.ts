import { mkdir, readFile } from 'node:fs/promises';
import { createLogger } from '../../src/logger.js';
import { UsageError } from '../../src/errors.js';
import { exitWithUsage, parseCommandLine } from '../support/args.js';
import { runEndToEnd } from './end-to-end.js';
import { costsPerCommand } from './meter.js';
import { DEFAULT_OPTIONS, windowFor } from './options.js';
import {
  type AllocationProfile,
  type CpuProfile,
  formatAllocationSummary,
  formatProfileSummary,
  summarizeAllocations,
  summarizeProfile,
} from './profile-summary.js';
import { allocationProfilePath } from './worker-profile.js';
import { startBenchStack } from './stack.js';

/**
 * `npm run bench:profile [-- --scenario uniform|hot|both --commands N --warmup N --dir D]`:
 * where the worker's CPU per command goes. One saturated end-to-end run per
 * scenario, as the bench runs it (same stack, tuning and warm-up), with the
 * worker's measured run CPU-profiled in-process (worker-profile.ts); prints
 * the worker's CPU per command and the profile by owner. The profiles stay in
 * the directory for Chrome DevTools. Worker flags: BENCH_WORKER_NODE_ARGS.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const help = {
  usage:
    'npm run bench:profile -- [--scenario uniform|hot|both] [--commands 10000] [--warmup 10000] [--pollers 64] [--dir bench/profiles] [--allocations]',
  description:
    'CPU profile of the bench worker over one saturated end-to-end run per scenario (docs/performance.md, "Where the worker\'s CPU goes"); --allocations: an allocation profile too (it costs CPU the CPU profile then counts).',
  flags: ['scenario', 'commands', 'warmup', 'pollers', 'dir'],
  switches: ['allocations'],
};
const { flags, switches } = parseCommandLine(help);
const allocations = switches.has('allocations');
const whole = (name: string, fallback: number) => {
  const value = Number(flags.get(name) ?? fallback);
  if (!Number.isInteger(value) || value < 0) exitWithUsage(help, new UsageError(`--${name} must be a whole number`));
  return value;
};
const scenario = flags.get('scenario') ?? 'both';
if (!['uniform', 'hot', 'both'].includes(scenario)) exitWithUsage(help, new UsageError('--scenario is uniform, hot or both'));
const commands = whole('commands', 10_000);
const warmup = whole('warmup', 10_000);
const pollers = whole('pollers', DEFAULT_OPTIONS.pollers);
const dir = flags.get('dir') ?? 'bench/profiles';
await mkdir(dir, { recursive: true });

const logger = createLogger('warn', 'bench-profile');
const stack = await startBenchStack(logger, DEFAULT_OPTIONS.heapMb);
try {
  for (const [name, users] of [
    ['uniform', DEFAULT_OPTIONS.users],
    ['hot', 1],
  ] as const) {
    if (scenario !== 'both' && scenario !== name) continue;
    const run = await runEndToEnd(stack, logger, {
      label: `profile-${name}`,
      commands,
      users,
      workers: 1,
      tuning: {
        WALLET_POLLERS: String(pollers),
        WALLET_MAX_SOCKETS: String(DEFAULT_OPTIONS.maxSockets),
        WALLET_SQS_CLIENT: DEFAULT_OPTIONS.sqsClient,
        WALLET_GROUP_COMMIT: 'true',
      },
      publishConcurrency: DEFAULT_OPTIONS.publishConcurrency,
      collectors: DEFAULT_OPTIONS.collectors,
      window: windowFor({ pollers }, 1),
      warmupCommands: warmup,
      workerEnv: { BENCH_WORKER_PROFILE_DIR: dir, BENCH_WORKER_ALLOCATIONS: String(allocations) },
    });
    const [report] = run.workerReports;
    const costs = costsPerCommand(run.meters, run.commands, run.userItemBytes);
    process.stdout.write(
      `\n## ${name}: ${run.commands} commands, ${Math.round(run.tps)} tps; worker process CPU ${(run.cpu.workerMs / run.commands).toFixed(3)} ms per command, kernel ${((run.cpu.workerSystemMs ?? 0) / run.commands).toFixed(3)} ` +
        `(driver ${(run.cpu.driverMs / run.commands).toFixed(3)}, DynamoDB Local ${(run.cpu.dynamodbMs / run.commands).toFixed(3)}); ` +
        `SQS req/cmd ${costs.sqsRequests.toFixed(3)} ${JSON.stringify(run.meters.sqs.requests)}, DDB req/cmd ${costs.ddbRequests.toFixed(3)}, cmd/txn ${costs.commandsPerTransaction.toFixed(1)}\n`,
    );
    if (report?.profilePath) {
      const profile = JSON.parse(await readFile(report.profilePath, 'utf8')) as CpuProfile;
      process.stdout.write(`profile: ${report.profilePath}\n${formatProfileSummary(summarizeProfile(profile), run.commands).join('\n')}\n`);
      if (allocations) {
        const sampled = JSON.parse(await readFile(allocationProfilePath(report.profilePath), 'utf8')) as AllocationProfile;
        process.stdout.write(`${formatAllocationSummary(summarizeAllocations(sampled), run.commands).join('\n')}\n`);
      }
    }
  }
} finally {
  await stack.stop();
}
