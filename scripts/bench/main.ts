import { loadavg } from 'node:os';
import { createLogger } from '../../src/logger.js';
import { bestOf, probeCeiling, runCeiling, runDirectPhase, type CeilingSearch } from './direct-phase.js';
import { runEndToEnd, type EndToEndOptions } from './end-to-end.js';
import { helpText, USAGE_EXIT_CODE } from '../support/args.js';
import { BENCH_FLAGS, BenchUsageError, parseBenchOptions, windowFor, type BenchOptions } from './options.js';
import { printReport, writeResults, type BenchReport } from './report.js';
import { startBenchStack } from './stack.js';
import { formatResultLine } from './stats.js';
import { runScaling } from './scaling.js';

/**
 * `npm run bench [-- --scaling] [--commands 20000 --users 100 ...]`: the
 * pipeline against its ceiling on the embedded stack, in one run. Progress on
 * stderr; a table, then the RESULT line (always last) on stdout.
 */
// Only noise on stderr next to the progress bar (the project targets Node 20 on purpose).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const BENCH_USAGE = 'npm run bench [-- --scaling] [--commands N --users N --workers N …]';
if (process.argv.includes('--help')) {
  process.stdout.write(
    helpText({
      usage: BENCH_USAGE,
      description: `Measures the pipeline against DynamoDB Local's own ceiling on a private embedded stack (free ports); see docs/performance.md.
Flags (each also BENCH_<NAME> in the environment): ${BENCH_FLAGS.map((flag) => `--${flag}`).join(' ')}`,
    }),
  );
  process.exit(0);
}
let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2), process.env);
} catch (error) {
  if (!(error instanceof BenchUsageError)) throw error;
  process.stderr.write(`error: ${error.message}\nusage: ${BENCH_USAGE}  (--help for more)\n`);
  process.exit(USAGE_EXIT_CODE);
}

const logger = createLogger('warn', 'bench');
const loadAtStart = loadavg();
process.stderr.write(`load average at start: ${loadAtStart.map((load) => load.toFixed(2)).join(' ')}\n`);
const stack = await startBenchStack(logger, options.heapMb);
const stop = async (code: number) => {
  await stack.stop();
  process.exit(code);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop(130));

try {
  // Unmeasured: the JVM compiles its hot paths during the first few thousand writes.
  await runDirectPhase(stack, logger, 'ceiling', { users: options.users, commands: options.warmupCommands, concurrencies: [16], label: 'warm-up' });
  const probes = await probeCeiling(stack, logger, { users: options.users, probeCommands: options.probeCommands, concurrencies: options.concurrencies });
  const best = bestOf(probes).concurrency;
  const direct = { users: options.users, commands: options.directCommands, concurrencies: [best] };
  const [readWrite] = await runDirectPhase(stack, logger, 'read-write', direct);
  const [seedStyle] = await runDirectPhase(stack, logger, 'seed-style', direct);
  if (!readWrite || !seedStyle) throw new Error('a direct run returned nothing');

  const e2eOptions: EndToEndOptions = {
    label: 'main',
    commands: options.commands,
    users: options.users,
    workers: options.workers,
    tuning: { WALLET_POLLERS: String(options.pollers), WALLET_MAX_SOCKETS: String(options.maxSockets) },
    publishConcurrency: options.publishConcurrency,
    collectors: options.collectors,
    window: windowFor(options, options.workers),
  };
  const ceilingRun = { users: options.users, commands: options.directCommands, concurrency: best };
  const before = await runCeiling(stack, logger, ceilingRun);
  const e2e = await runEndToEnd(stack, logger, e2eOptions);
  const after = await runCeiling(stack, logger, ceilingRun);
  const ceiling: CeilingSearch = { probes, before, after, tps: (before.tps + after.tps) / 2 };
  const scaling = options.scaling ? await runScaling(stack, logger, options, e2eOptions, best) : undefined;

  const report: BenchReport = {
    at: new Date().toISOString(),
    options,
    machine: { loadAtStart, loadAtEnd: loadavg() },
    ceiling,
    readWrite,
    seedStyle,
    e2e,
    ...(scaling && { scaling }),
  };
  printReport(report);
  const path = await writeResults(report);
  process.stdout.write(`figures written to ${path}\n`);
  process.stdout.write(`${formatResultLine({ e2eTps: e2e.tps, ceilingTps: ceiling.tps, p50Ms: e2e.latencyMs.p50, p99Ms: e2e.latencyMs.p99, seedStyleTps: seedStyle.tps })}\n`);
  await stop(0);
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await stop(1);
}
