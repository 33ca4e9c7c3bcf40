import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../../src/logger.js';
import { bestOf, probeCeiling, runDirectPhase } from './direct-phase.js';
import { runEndToEnd, type EndToEndOptions } from './end-to-end.js';
import { helpText, USAGE_EXIT_CODE } from '../support/args.js';
import { startLatencyProxy } from './latency-proxy.js';
import { BenchUsageError } from '../../src/errors.js';
import { BENCH_FLAGS, parseBenchOptions, windowFor, type BenchOptions } from './options.js';
import { printReport, resultOf, writeResults, type BenchReport } from './report.js';
import { runScaling } from './scaling.js';
import { UNIFORM_WALLET_MIX } from './commands.js';
import { runScenario, type ScenarioResult } from './scenarios.js';
import { startBenchStack } from './stack.js';
import { formatResultLine } from './stats.js';

/**
 * `npm run bench [-- --quick] [--scaling] [--commands 20000 ...]`: group
 * commit against the one-transaction-per-command ceiling on the embedded
 * stack, in one run: a uniform workload, one hot user, a Zipf-skewed one,
 * and the hot user again behind a proxy that adds a network's latency in
 * front of DynamoDB. Progress on stderr; tables, then the RESULT line
 * (always last) on stdout.
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
const startedAt = performance.now();
const loadAtStart = loadavg();
process.stderr.write(`load average at start: ${loadAtStart.map((load) => load.toFixed(2)).join(' ')}\n`);
process.stderr.write(
  `warm-up: ${options.e2eWarmupCommands} commands before every end-to-end and engine-only run${options.e2eWarmupCommands < 10_000 ? " (fewer than the full bench's 10,000)" : ''}\n`,
);
const stack = await startBenchStack(logger, options.heapMb);
const cleanups: (() => Promise<void>)[] = [];
const stop = async (code: number) => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await stack.stop();
  process.exit(code);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop(130));

try {
  // Unmeasured: the JVM compiles its hot paths during the first few thousand writes.
  await runDirectPhase(stack, logger, 'ceiling', {
    users: options.users,
    commands: options.warmupCommands,
    concurrencies: [16],
    label: 'warm-up',
  });
  const probes = await probeCeiling(stack, logger, {
    users: options.users,
    probeCommands: options.probeCommands,
    concurrencies: options.concurrencies,
  });
  const best = bestOf(probes).concurrency;
  const [seedStyle] = await runDirectPhase(stack, logger, 'seed-style', {
    users: options.users,
    commands: options.directCommands,
    concurrencies: [best],
  });
  if (!seedStyle) throw new Error('the seed-style run returned nothing');

  const base: EndToEndOptions = {
    label: 'e2e',
    commands: options.commands,
    users: options.users,
    workers: options.workers,
    tuning: {
      WALLET_POLLERS: String(options.pollers),
      WALLET_MAX_SOCKETS: String(options.maxSockets),
      WALLET_SQS_CLIENT: options.sqsClient,
    },
    publishConcurrency: options.publishConcurrency,
    collectors: options.collectors,
    window: windowFor(options, options.workers),
    warmupCommands: options.e2eWarmupCommands,
  };
  // Measured at the start and again at the end; the better one is the bound (the first runs in a driver whose fauxqs is not yet warm).
  const queueOnlyRun = () => runEndToEnd(stack, logger, { ...base, label: 'queue-only', workerEnv: { BENCH_QUEUE_ONLY: 'true' } });
  const queueOnlyBefore = await queueOnlyRun();

  const common = {
    pacedSeconds: options.pacedSeconds,
    ceilingCommands: options.directCommands,
    engineInFlight: Math.max(1, options.workers) * options.pollers * 10,
    largestGroupSize: 99,
  };
  const uniform = await runScenario(
    stack,
    logger,
    {
      ...common,
      name: 'uniform',
      users: options.users,
      distribution: 'round-robin',
      commands: options.commands,
      offCommands: options.offCommands,
      ceilingConcurrency: best,
      compareAtSameLoad: true,
      largestGroupTransactions: 0,
      walletMix: UNIFORM_WALLET_MIX,
    },
    base,
  );
  const hot = await runScenario(
    stack,
    logger,
    {
      ...common,
      name: 'hot',
      users: 1,
      distribution: 'round-robin',
      commands: options.hotCommands,
      offCommands: Math.ceil(options.offCommands / 4),
      ceilingConcurrency: 1,
      compareAtSameLoad: true,
      largestGroupTransactions: options.largestGroupTransactions,
    },
    base,
  );
  // The skewed workload's own best concurrency: its hottest user's lock makes the loops wait differently.
  const zipfProbes = await runDirectPhase(stack, logger, 'ceiling', {
    users: options.zipfUsers,
    commands: options.probeCommands,
    concurrencies: options.concurrencies,
    distribution: 'zipf',
    label: 'zipf ceiling probe',
  });
  const zipf = await runScenario(
    stack,
    logger,
    {
      ...common,
      name: 'zipf',
      users: options.zipfUsers,
      distribution: 'zipf',
      commands: options.zipfCommands,
      offCommands: Math.ceil(options.offCommands / 2),
      ceilingConcurrency: bestOf(zipfProbes).concurrency,
      compareAtSameLoad: false,
      largestGroupTransactions: 0,
    },
    base,
  );
  let latencyHot: ScenarioResult | undefined;
  let latencyUniform: ScenarioResult | undefined;
  if (options.latencyMs > 0) {
    const proxy = await startLatencyProxy(stack.endpoints.dynamodb, options.latencyMs);
    cleanups.push(() => proxy.stop());
    latencyHot = await runScenario(
      stack,
      logger,
      {
        ...common,
        name: 'latency hot',
        users: 1,
        distribution: 'round-robin',
        commands: options.latencyCommands,
        offCommands: options.latencyCeilingCommands,
        ceilingCommands: options.latencyCeilingCommands,
        ceilingConcurrency: 1,
        compareAtSameLoad: true,
        largestGroupTransactions: options.largestGroupTransactions,
        dynamodbEndpoint: proxy.endpoint,
      },
      base,
    );
    // Many users behind the same latency: one transaction per command is then bound by concurrency / latency, so its ceiling uses the most concurrency probed.
    latencyUniform = await runScenario(
      stack,
      logger,
      {
        ...common,
        name: 'latency uniform',
        users: options.users,
        distribution: 'round-robin',
        commands: options.latencyCommands * 2,
        offCommands: options.latencyCommands,
        ceilingConcurrency: Math.max(...options.concurrencies),
        compareAtSameLoad: false,
        largestGroupTransactions: 0,
        dynamodbEndpoint: proxy.endpoint,
      },
      base,
    );
    await proxy.stop();
  }
  const queueOnlyAfter = await queueOnlyRun();
  const scaling = options.scaling ? await runScaling(stack, logger, options, base, best) : undefined;

  const report: BenchReport = {
    at: new Date().toISOString(),
    options,
    machine: { cpus: cpus().length, loadAtStart, loadAtEnd: loadavg() },
    durationSeconds: (performance.now() - startedAt) / 1000,
    probes,
    zipfProbes,
    seedStyle,
    queueOnly: { before: queueOnlyBefore, after: queueOnlyAfter, tps: Math.max(queueOnlyBefore.tps, queueOnlyAfter.tps) },
    scenarios: { uniform, hot, zipf, ...(latencyHot && { latencyHot }), ...(latencyUniform && { latencyUniform }) },
    ...(scaling && { scaling }),
  };
  printReport(report);
  const path = await writeResults(report);
  process.stdout.write(`figures written to ${path}\n`);
  process.stdout.write(`${formatResultLine(resultOf(report))}\n`);
  await stop(0);
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await stop(1);
}
