import { createLogger } from '../../src/logger.js';
import { UsageError } from '../../src/errors.js';
import { exitWithUsage, parseCommandLine } from '../support/args.js';
import { runEndToEnd, type EndToEndRun } from './end-to-end.js';
import { DEFAULT_OPTIONS, windowFor } from './options.js';
import { workerCpuPerCommand } from './report.js';
import { startBenchStack } from './stack.js';
import { formatTable } from './table.js';

/**
 * `npm run bench:gc [-- --sizes 0,16,32,64 --rounds 2 --commands 10000 --warmup 10000]`:
 * the worker's young generation against its CPU per command. Saturated
 * end-to-end runs as the bench runs them (same stack, tuning, warm-up), one
 * per `--max-semi-space-size` (0 = V8's default) per scenario, interleaved
 * round by round so drift in the machine's load spreads over every size;
 * each size is reported against the default of the same run.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const help = {
  usage: 'npm run bench:gc -- [--sizes 0,16,32,64] [--rounds 2] [--commands 10000] [--warmup 10000] [--scenario uniform|hot|both]',
  description:
    'Worker CPU per command, throughput and GC pauses per --max-semi-space-size (docs/performance.md, "The worker\'s young generation").',
  flags: ['sizes', 'rounds', 'commands', 'warmup', 'scenario'],
};
const { flags } = parseCommandLine(help);
const whole = (text: string, name: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) exitWithUsage(help, new UsageError(`--${name} must be whole numbers`));
  return value;
};
const sizes = (flags.get('sizes') ?? '0,16,32,64').split(',').map((part) => whole(part.trim(), 'sizes'));
const rounds = whole(flags.get('rounds') ?? '2', 'rounds');
const commands = whole(flags.get('commands') ?? '10000', 'commands');
const warmup = whole(flags.get('warmup') ?? '10000', 'warmup');
const scenario = flags.get('scenario') ?? 'both';
if (!['uniform', 'hot', 'both'].includes(scenario)) exitWithUsage(help, new UsageError('--scenario is uniform, hot or both'));
const scenarios = (
  [
    ['uniform', DEFAULT_OPTIONS.users],
    ['hot', 1],
  ] as const
).filter(([name]) => scenario === 'both' || scenario === name);

const logger = createLogger('warn', 'bench-gc');
const stack = await startBenchStack(logger, DEFAULT_OPTIONS.heapMb);
const runs = new Map<string, EndToEndRun[]>();
try {
  for (let round = 0; round < rounds; round++) {
    for (const [name, users] of scenarios) {
      for (const size of sizes) {
        const run = await runEndToEnd(stack, logger, {
          label: `gc-${name}-${size}`,
          commands,
          users,
          workers: 1,
          tuning: {
            WALLET_POLLERS: String(DEFAULT_OPTIONS.pollers),
            WALLET_MAX_SOCKETS: String(DEFAULT_OPTIONS.maxSockets),
            WALLET_SQS_CLIENT: DEFAULT_OPTIONS.sqsClient,
            WALLET_GROUP_COMMIT: 'true',
          },
          publishConcurrency: DEFAULT_OPTIONS.publishConcurrency,
          collectors: DEFAULT_OPTIONS.collectors,
          window: windowFor(DEFAULT_OPTIONS, 1),
          warmupCommands: warmup,
          workerNodeArgs: size > 0 ? [`--max-semi-space-size=${size}`] : [],
        });
        const key = `${name} ${size}`;
        runs.set(key, [...(runs.get(key) ?? []), run]);
        process.stderr.write(`${key}: ${Math.round(run.tps)} tps, worker ${workerCpuPerCommand(run).toFixed(3)} ms/cmd\n`);
      }
    }
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  const rows: string[][] = [];
  for (const [name] of scenarios) {
    const summary = (size: number) => {
      const of = runs.get(`${name} ${size}`) ?? [];
      return {
        tps: mean(of.map((run) => run.tps)),
        cpu: mean(of.map(workerCpuPerCommand)),
        gcMs: mean(of.map((run) => (run.workerReports[0]?.gcMs ?? 0) / run.commands)),
        minor: mean(of.map((run) => run.workerReports[0]?.gcPauses?.minor ?? 0)),
        rss: mean(of.map((run) => run.workerReports[0]?.memoryPeak.rssMb ?? 0)),
      };
    };
    const base = summary(sizes[0] ?? 0);
    for (const size of sizes) {
      const now = summary(size);
      rows.push([
        name,
        size === 0 ? 'default' : `${size} MB`,
        String(Math.round(now.tps)),
        (now.tps / base.tps).toFixed(3),
        now.cpu.toFixed(3),
        (now.cpu / base.cpu).toFixed(3),
        (now.gcMs * 1000).toFixed(1),
        String(Math.round(now.minor)),
        String(Math.round(now.rss)),
      ]);
    }
  }
  process.stdout.write(
    `\n${formatTable(['scenario', 'semi-space', 'tps', 'x first', 'worker CPU ms/cmd', 'x first', 'GC pause us/cmd', 'scavenges', 'peak RSS MB'], rows)}\n` +
      `${rounds} round(s) of ${commands} commands per size and scenario, each after ${warmup} warm-up commands; means over the rounds; ratios against the first size of the same run\n`,
  );
} finally {
  await stack.stop();
}
