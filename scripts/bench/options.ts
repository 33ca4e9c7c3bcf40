import { BenchUsageError } from '../../src/errors.js';

/**
 * Flags of `npm run bench` (each also settable as BENCH_<NAME> in the
 * environment, flags win). Pure: argv and env in, options out.
 */
export interface BenchOptions {
  /** Smaller runs of every scenario (~3 min instead of ~10); explicit flags still win. */
  quick: boolean;
  /** Commands of the uniform end-to-end run (grouping on, saturated). */
  commands: number;
  users: number;
  /** Commands of the hot-user end-to-end run (one user). */
  hotCommands: number;
  /** Users of the skewed workload (Zipf, s = 1) and its commands. */
  zipfUsers: number;
  zipfCommands: number;
  /** Commands of each grouping-off saturated run (the one-transaction design through the queue); the hot user's is a quarter. */
  offCommands: number;
  /** Length of each open-loop run at ~70% of a saturated rate. */
  pacedSeconds: number;
  /** One-way latency the proxy adds in front of DynamoDB in the latency profile; 0 skips the profile. */
  latencyMs: number;
  /** Commands of the latency profile's grouped hot-user run, and of its one-transaction runs (slow: ~1 per round trip). */
  latencyCommands: number;
  latencyCeilingCommands: number;
  /** Largest transactions (1 Update + 99 Puts) timed back to back for one user: the hot user's bound under grouping. */
  largestGroupTransactions: number;
  /** Worker OS processes for the end-to-end runs; 0 = inside the driver. */
  workers: number;
  /** WALLET_POLLERS of the bench workers: messages in flight (pollers × 10) bound the group sizes. */
  pollers: number;
  maxSockets: number;
  /** WALLET_SQS_CLIENT of the bench workers: the product's default (lean); BENCH_SQS_CLIENT=sdk measures the SDK path. */
  sqsClient: 'lean' | 'sdk';
  /** Concurrencies tried for the ceiling; the best is used for every direct run of many users. */
  concurrencies: number[];
  /** Commands each end-to-end run sends and waits for before it measures (the fresh worker's warm-up), and each engine-only run submits before it measures: the same for every run a figure is compared with. */
  e2eWarmupCommands: number;
  /** Commands written (not measured) first, straight to DynamoDB, so DynamoDB Local's JIT is warm for the first direct runs. */
  warmupCommands: number;
  /** Commands per ceiling probe (one per concurrency). */
  probeCommands: number;
  /** Commands of each ceiling run (before and after) and of the seed-style run. */
  directCommands: number;
  publishConcurrency: number;
  collectors: number;
  /** Commands in flight in a saturated end-to-end run; 0 = publish all at once; absent = twice what the workers hold (workers × pollers × 10). */
  window?: number;
  heapMb: number;
  /** Also run the worker-count and user-count scaling table. */
  scaling: boolean;
  scalingCommands: number;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  quick: false,
  commands: 20_000,
  users: 100,
  hotCommands: 5_000,
  zipfUsers: 1_000,
  zipfCommands: 20_000,
  offCommands: 8_000,
  pacedSeconds: 8,
  latencyMs: 10,
  latencyCommands: 5_000,
  latencyCeilingCommands: 300,
  largestGroupTransactions: 50,
  workers: 1,
  pollers: 64,
  maxSockets: 128,
  sqsClient: process.env.BENCH_SQS_CLIENT === 'sdk' ? 'sdk' : 'lean',
  concurrencies: [4, 8, 16, 32, 64],
  // Issue 24: at 1,000 the hot scenario's worker cost 0.42 ms/cmd, at 10,000 0.34 like the uniform one: fewer measures JIT, not the design.
  e2eWarmupCommands: 10_000,
  warmupCommands: 10_000,
  probeCommands: 1_000,
  directCommands: 3_000,
  publishConcurrency: 8,
  collectors: 8,
  heapMb: 1024,
  scaling: false,
  scalingCommands: 5_000,
};

/** What --quick changes: every run shorter; the shape of the bench is the same. */
export const QUICK_OPTIONS: Partial<BenchOptions> = {
  quick: true,
  commands: 4_000,
  hotCommands: 2_000,
  zipfCommands: 4_000,
  offCommands: 2_000,
  pacedSeconds: 3,
  latencyCommands: 1_500,
  latencyCeilingCommands: 100,
  largestGroupTransactions: 20,
  concurrencies: [8, 16, 32],
  // Fewer than the full bench's 10,000 (said in its output): quick figures of CPU per command read high.
  e2eWarmupCommands: 2_000,
  warmupCommands: 2_000,
  probeCommands: 500,
  directCommands: 1_000,
};

const BOOLEAN_FLAGS = new Set(['scaling', 'quick']);

const FLAG_NAMES: Record<string, keyof BenchOptions> = {
  quick: 'quick',
  commands: 'commands',
  users: 'users',
  'hot-commands': 'hotCommands',
  'zipf-users': 'zipfUsers',
  'zipf-commands': 'zipfCommands',
  'off-commands': 'offCommands',
  'paced-seconds': 'pacedSeconds',
  'latency-ms': 'latencyMs',
  'latency-commands': 'latencyCommands',
  'latency-ceiling-commands': 'latencyCeilingCommands',
  'largest-group-transactions': 'largestGroupTransactions',
  workers: 'workers',
  pollers: 'pollers',
  'max-sockets': 'maxSockets',
  concurrency: 'concurrencies',
  'e2e-warmup-commands': 'e2eWarmupCommands',
  'warmup-commands': 'warmupCommands',
  'probe-commands': 'probeCommands',
  'direct-commands': 'directCommands',
  'publish-concurrency': 'publishConcurrency',
  collectors: 'collectors',
  window: 'window',
  'heap-mb': 'heapMb',
  scaling: 'scaling',
  'scaling-commands': 'scalingCommands',
};

/** Every flag's name, for --help. */
export const BENCH_FLAGS: readonly string[] = Object.keys(FLAG_NAMES);
/** Flags that may be 0 (everything else is at least 1). */
const ZERO_ALLOWED = new Set<keyof BenchOptions>(['workers', 'window', 'latencyMs', 'e2eWarmupCommands', 'largestGroupTransactions']);

export function parseBenchOptions(argv: readonly string[], env: Record<string, string | undefined> = {}): BenchOptions {
  const raw = new Map<string, string>();
  for (const flag of Object.keys(FLAG_NAMES)) {
    const value = env[`BENCH_${flag.toUpperCase().replaceAll('-', '_')}`];
    if (value !== undefined && value !== '') raw.set(flag, value);
  }
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (!arg.startsWith('--')) throw new BenchUsageError(`unexpected argument ${arg}`);
    const [name = '', inline] = arg.slice(2).split('=', 2);
    if (!(name in FLAG_NAMES))
      throw new BenchUsageError(
        `unknown flag --${name} (known: ${Object.keys(FLAG_NAMES)
          .map((flag) => `--${flag}`)
          .join(' ')})`,
      );
    if (BOOLEAN_FLAGS.has(name) && inline === undefined) {
      raw.set(name, 'true');
      continue;
    }
    const value = inline ?? argv[++index];
    if (value === undefined) throw new BenchUsageError(`missing value for --${name}`);
    raw.set(name, value);
  }

  const quick = raw.has('quick') && isTrue(raw.get('quick') as string);
  const options: BenchOptions = { ...DEFAULT_OPTIONS, ...(quick ? QUICK_OPTIONS : {}) };
  for (const [flag, value] of raw) {
    const key = FLAG_NAMES[flag] as keyof BenchOptions;
    if (key === 'scaling' || key === 'quick') options[key] = isTrue(value);
    else if (key === 'concurrencies') options.concurrencies = value.split(',').map((part) => whole(flag, part, 1));
    else
      options[key as Exclude<keyof BenchOptions, 'sqsClient' | 'scaling' | 'quick' | 'concurrencies'>] = whole(
        flag,
        value,
        ZERO_ALLOWED.has(key) ? 0 : 1,
      );
  }
  if (options.commands < options.users) throw new BenchUsageError('--commands must be at least --users');
  return options;
}

/** The window a saturated end-to-end run uses: the explicit one, or twice the messages the workers can hold. */
export function windowFor(options: Pick<BenchOptions, 'window' | 'pollers'>, workers: number): number {
  return options.window ?? 2 * Math.max(1, workers) * options.pollers * 10;
}

/** Commands of an open-loop run: `seconds` at `rate`, in whole batches of 10, at least 100. */
export function pacedCommands(rate: number, seconds: number): number {
  return Math.max(100, Math.ceil((rate * seconds) / 10) * 10);
}

function isTrue(value: string): boolean {
  return value === 'true' || value === '1';
}

function whole(flag: string, text: string, min: number): number {
  const value = Number(text.trim());
  if (!Number.isInteger(value) || value < min)
    throw new BenchUsageError(`--${flag} must be a whole number ≥ ${min}, got ${JSON.stringify(text)}`);
  return value;
}
