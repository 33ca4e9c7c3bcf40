/**
 * Flags of `npm run bench` (each also settable as BENCH_<NAME> in the
 * environment, flags win). Pure: argv and env in, options out.
 */
export interface BenchOptions {
  commands: number;
  users: number;
  /** Worker OS processes for the end-to-end run; 0 = inside the driver. */
  workers: number;
  pollers: number;
  maxSockets: number;
  /** Concurrencies tried for the ceiling; the best is used for every direct run. */
  concurrencies: number[];
  /** Commands written (not measured) first, so DynamoDB Local's JIT is warm for every measured run. */
  warmupCommands: number;
  /** Commands per ceiling probe (one per concurrency). */
  probeCommands: number;
  /** Commands of the final ceiling and seed-style runs. */
  directCommands: number;
  publishConcurrency: number;
  collectors: number;
  /** Commands in flight in the end-to-end run; 0 = publish all at once; absent = twice what the workers hold (workers × pollers × 10). */
  window?: number;
  heapMb: number;
  /** Also run the worker-count and user-count scaling table. */
  scaling: boolean;
  scalingCommands: number;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  commands: 20_000,
  users: 100,
  workers: 1,
  pollers: 4,
  maxSockets: 128,
  concurrencies: [4, 8, 16, 32, 64],
  warmupCommands: 2_000,
  probeCommands: 1_500,
  directCommands: 5_000,
  publishConcurrency: 8,
  collectors: 4,
  heapMb: 1024,
  scaling: false,
  scalingCommands: 5_000,
};

const BOOLEAN_FLAGS = new Set(['scaling']);

const FLAG_NAMES: Record<string, keyof BenchOptions> = {
  commands: 'commands',
  users: 'users',
  workers: 'workers',
  pollers: 'pollers',
  'max-sockets': 'maxSockets',
  concurrency: 'concurrencies',
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

export class BenchUsageError extends Error {
  readonly code = 'bench_usage' as const;
}

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
    if (!(name in FLAG_NAMES)) throw new BenchUsageError(`unknown flag --${name} (known: ${Object.keys(FLAG_NAMES).map((flag) => `--${flag}`).join(' ')})`);
    if (BOOLEAN_FLAGS.has(name) && inline === undefined) {
      raw.set(name, 'true');
      continue;
    }
    const value = inline ?? argv[++index];
    if (value === undefined) throw new BenchUsageError(`missing value for --${name}`);
    raw.set(name, value);
  }

  const options: BenchOptions = { ...DEFAULT_OPTIONS };
  for (const [flag, value] of raw) {
    const key = FLAG_NAMES[flag] as keyof BenchOptions;
    if (key === 'scaling') options.scaling = value === 'true' || value === '1';
    else if (key === 'concurrencies') options.concurrencies = value.split(',').map((part) => whole(flag, part, 1));
    else options[key] = whole(flag, value, key === 'workers' || key === 'window' ? 0 : 1);
  }
  if (options.commands < options.users) throw new BenchUsageError('--commands must be at least --users');
  return options;
}

/** The window an end-to-end run uses: the explicit one, or twice the messages the workers can hold. */
export function windowFor(options: Pick<BenchOptions, 'window' | 'pollers'>, workers: number): number {
  return options.window ?? 2 * Math.max(1, workers) * options.pollers * 10;
}

function whole(flag: string, text: string, min: number): number {
  const value = Number(text.trim());
  if (!Number.isInteger(value) || value < min) throw new BenchUsageError(`--${flag} must be a whole number ≥ ${min}, got ${JSON.stringify(text)}`);
  return value;
}
