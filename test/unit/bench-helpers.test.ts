import { describe, expect, it } from 'vitest';
import {
  addTransactWrite,
  emptyTransactWrites,
  itemSize,
  numberSize,
  transactWriteUnits,
  writeUnits,
  type AttributeValue,
} from '../../scripts/bench/capacity.js';
import { coresBusy, parseProcStatCpu, parseProcStatCpuMs } from '../../scripts/bench/cpu.js';
import {
  commandIndex,
  commandKey,
  benchCommands,
  openedUserIds,
  UNIFORM_WALLET_MIX,
  userPicker,
  walletSetupStages,
  withWalletPairs,
} from '../../scripts/bench/commands.js';
import { costsPerCommand, emptyMeters, meterClient, mergeMeters, type ClientMeter } from '../../scripts/bench/meter.js';
import { type BenchReport, engineGapLines } from '../../scripts/bench/report.js';
import { BenchUsageError } from '../../src/errors.js';
import { DEFAULT_OPTIONS, pacedCommands, parseBenchOptions, QUICK_OPTIONS, windowFor } from '../../scripts/bench/options.js';
import { formatResultLine, percentile, ratioOf, summarize, throughput, type BenchResult } from '../../scripts/bench/stats.js';
import { formatMarkdownTable, formatTable } from '../../scripts/bench/table.js';
import { seededRandom, zipfCdf, zipfSampler } from '../../scripts/bench/zipf.js';
import { parseCommand } from '../../src/messages/command.js';

describe('bench percentiles', () => {
  it('takes the nearest-rank percentile of unsorted samples', () => {
    const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(samples, 50)).toBe(5);
    expect(percentile(samples, 99)).toBe(10);
    expect(percentile(samples, 100)).toBe(10);
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile([42], 99)).toBe(42);
  });

  it('gives NaN for no samples and refuses a percentile outside 0..100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('summarizes p50, p99 and max; throughput is per second', () => {
    const samples = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(summarize(samples)).toEqual({ p50: 50, p99: 99, max: 100 });
    expect(throughput(500, 250)).toBe(2000);
    expect(throughput(5, 0)).toBe(0);
  });
});

describe('bench RESULT line', () => {
  const result: BenchResult = {
    e2eTps: 912.4,
    ceilingTps: 300.2,
    p50Ms: 12.345,
    p99Ms: 80.06,
    seedStyleTps: 250.5,
    hotUserTps: 3_000,
    hotUserCeilingTps: 300,
    zipfTps: 900,
    zipfCeilingTps: 450,
    latencyHotTps: 1_000,
    latencyHotCeilingTps: 40,
    wcuPerCommandHot: 2.0412,
    uniformEngineTps: 1_000,
    hotEngineTps: 4_000,
    zipfEngineTps: 0,
    workerCpuMsPerCommandUniform: 0.31234,
    workerCpuMsPerCommandHot: 0.2,
  };

  it('prints the fixed keys in order, rounded, with each ratio from its own pair', () => {
    expect(formatResultLine(result)).toBe(
      'RESULT {"e2e_tps":912,"ceiling_tps":300,"ratio":3.039,"p50_ms":12.3,"p99_ms":80.1,"seed_style_tps":251,' +
        '"hot_user_tps":3000,"hot_user_ceiling_tps":300,"hot_ratio":10,"zipf_ratio":2,"latency_profile_hot_ratio":25,"wcu_per_command_hot":2.041,' +
        '"e2e_over_engine_uniform":0.912,"e2e_over_engine_hot":0.75,"e2e_over_engine_zipf":0,"worker_cpu_ms_per_command_uniform":0.312,"worker_cpu_ms_per_command_hot":0.2}',
    );
  });

  it('reports a ratio of 0 rather than Infinity or NaN when its ceiling is missing', () => {
    const line = formatResultLine({ ...result, ceilingTps: 0, latencyHotCeilingTps: 0 });
    expect(line).toContain('"ratio":0,');
    expect(line).toContain('"latency_profile_hot_ratio":0,');
    expect(ratioOf(Number.NaN, 5)).toBe(0);
  });
});

describe('bench Zipf sampler', () => {
  it('gives rank k a share proportional to 1/k (s = 1), the CDF ending at exactly 1', () => {
    const cdf = zipfCdf(4, 1);
    const harmonic = 1 + 1 / 2 + 1 / 3 + 1 / 4;
    expect(cdf[0]).toBeCloseTo(1 / harmonic, 12);
    expect((cdf[1] as number) - (cdf[0] as number)).toBeCloseTo(1 / 2 / harmonic, 12);
    expect(cdf[3]).toBe(1);
    expect(zipfCdf(3, 0)[0]).toBeCloseTo(1 / 3, 12);
    expect(() => zipfCdf(0, 1)).toThrow(RangeError);
  });

  it('samples the expected skew over 1,000 users, the same sequence for the same seed', () => {
    const sample = zipfSampler(1_000, 1, seededRandom(7));
    const counts = new Array<number>(1_000).fill(0);
    const draws = 50_000;
    for (let index = 0; index < draws; index++) counts[sample()]!++;
    const harmonic = Array.from({ length: 1_000 }, (_, k) => 1 / (k + 1)).reduce((sum, value) => sum + value, 0);
    // Rank 1 gets 1/H(1000) ≈ 13.4% of the draws; rank 10 a tenth of that.
    expect((counts[0] as number) / draws).toBeCloseTo(1 / harmonic, 2);
    expect((counts[9] as number) / draws).toBeCloseTo(1 / 10 / harmonic, 2);
    expect(counts.every((count) => count >= 0)).toBe(true);
    const again = zipfSampler(1_000, 1, seededRandom(7));
    const first = zipfSampler(1_000, 1, seededRandom(7));
    expect(Array.from({ length: 20 }, () => again())).toEqual(Array.from({ length: 20 }, () => first()));
  });

  it('picks users round-robin or by the seeded Zipf sequence, the same for every workload of a run', () => {
    const roundRobin = userPicker('round-robin', 3);
    expect([0, 1, 2, 3].map(roundRobin)).toEqual([0, 1, 2, 0]);
    const a = userPicker('zipf', 1_000);
    const b = userPicker('zipf', 1_000);
    const picks = Array.from({ length: 100 }, (_, index) => a(index));
    expect(Array.from({ length: 100 }, (_, index) => b(index))).toEqual(picks);
    expect(picks.every((pick) => pick >= 0 && pick < 1_000)).toBe(true);
    const commands = benchCommands(
      'z1',
      500,
      Array.from({ length: 1_000 }, (_, index) => `u${index}`),
      'zipf',
    );
    expect(commands.every((command) => parseCommand(command).ok)).toBe(true);
    expect(commands.filter((command) => command.userId === 'u0').length).toBeGreaterThan(30);
  });
});

describe('bench wallet mix', () => {
  it('puts a freeze and its unfreeze, in one batch of 10, in place of the last two of every pairEvery commands, on users that move no money', () => {
    const users = Array.from({ length: 20 }, (_, index) => `u${index}`);
    const mixed = withWalletPairs(benchCommands('w1', 1_000, users), UNIFORM_WALLET_MIX);
    expect(mixed).toHaveLength(1_000);
    expect(mixed.every((command) => parseCommand(command).ok)).toBe(true);
    const statusCommands = mixed.flatMap((command, index) =>
      command.type === 'freeze' || command.type === 'unfreeze' ? [{ index, command }] : [],
    );
    expect(statusCommands.map(({ index, command }) => `${index} ${command.type} ${command.userId}`)).toEqual([
      '248 freeze bench-status-0',
      '249 unfreeze bench-status-0',
      '498 freeze bench-status-1',
      '499 unfreeze bench-status-1',
      '748 freeze bench-status-0',
      '749 unfreeze bench-status-0',
      '998 freeze bench-status-1',
      '999 unfreeze bench-status-1',
    ]);
    expect(new Set(mixed.map((command) => command.idempotentKey)).size).toBe(1_000);
    expect(openedUserIds(users, UNIFORM_WALLET_MIX)).toEqual(['u0', 'u1']);
    expect(openedUserIds(users, undefined)).toEqual([]);
  });

  it('sets a wallet mix up in two stages, each under a run id of its own: every user opened, then the funded ones credited', () => {
    const [opens, credits] = walletSetupStages('s1', ['u0', 'u1'], ['st0'], 'EUR', '10.000');
    expect(opens).toEqual({
      runId: 's1',
      commands: [
        { idempotentKey: 's1-0', userId: 'u0', type: 'open', currency: 'EUR' },
        { idempotentKey: 's1-1', userId: 'u1', type: 'open', currency: 'EUR' },
        { idempotentKey: 's1-2', userId: 'st0', type: 'open', currency: 'EUR' },
      ],
    });
    expect(credits).toEqual({
      runId: 's1c',
      commands: [
        { idempotentKey: 's1c-0', userId: 'u0', type: 'credit', amount: '10.000' },
        { idempotentKey: 's1c-1', userId: 'u1', type: 'credit', amount: '10.000' },
      ],
    });
    expect(commandIndex('s1c', 's1c-1')).toBe(1);
  });
});

describe('bench write capacity', () => {
  const record: Record<string, AttributeValue> = {
    idempotentKey: { S: 'r1-42' },
    transactionId: { S: '0b1e9f34-5c7d-4a8e-9f00-123456789abc' },
    userId: { S: 'bench-user-00000' },
    type: { S: 'credit' },
    amount: { N: '12.42' },
    status: { S: 'applied' },
    timestamp: { S: '2026-11-25T11:00:00.000Z' },
    newBalance: { N: '1000000012.42' },
    version: { N: '7' },
  };

  it('sizes numbers by significant digits and items by names plus values', () => {
    expect(numberSize('7')).toBe(2);
    expect(numberSize('12.42')).toBe(3);
    expect(numberSize('1000000012.42')).toBe(7);
    expect(numberSize('-5')).toBe(3);
    expect(numberSize('0')).toBe(2);
    expect(itemSize({ a: { S: 'é' } })).toBe(1 + 2);
    expect(itemSize({ list: { L: [{ BOOL: true }, { NULL: true }] }, map: { M: { k: { N: '10' } } } })).toBe(
      4 + 3 + 2 * (1 + 1) + 3 + 3 + 1 + 1 + 2,
    );
    // 13+5 + 13+36 + 6+16 + 4+6 + 6+3 + 6+7 + 9+24 + 10+7 + 7+2
    expect(itemSize(record)).toBe(180);
  });

  it('charges 1 WCU per started KB, twice inside a transaction', () => {
    expect(writeUnits(180, { transactional: true })).toBe(2);
    expect(writeUnits(1_024, { transactional: false })).toBe(1);
    expect(writeUnits(1_025, { transactional: false })).toBe(2);
    expect(writeUnits(1_025, { transactional: true })).toBe(4);
    expect(writeUnits(0, { transactional: true })).toBe(2);
  });

  it('tallies the Puts and user writes of each TransactWriteItems, and prices a hot user group at 2 + 2/k WCU per command', () => {
    const tally = emptyTransactWrites();
    const put = { Put: { TableName: 'T', Item: record, ConditionExpression: 'attribute_not_exists(idempotentKey)' } };
    addTransactWrite(tally, [{ Update: { TableName: 'U', Key: { userId: { S: 'u' } } } }, ...Array.from({ length: 9 }, () => put)]);
    addTransactWrite(tally, [{ ConditionCheck: { TableName: 'U', Key: { userId: { S: 'v' } } } }, put]);
    expect(tally).toEqual({ transactions: 2, puts: 10, putBytes: 1_800, maxPutBytes: 180, putUnits: 20, userWrites: 2 });
    expect(transactWriteUnits(tally, 150)).toBe(24);

    const meters = emptyMeters();
    meters.writes = { ...emptyTransactWrites(), transactions: 1, puts: 10, putBytes: 1_800, maxPutBytes: 180, putUnits: 20, userWrites: 1 };
    meters.ddb.requests.TransactWriteItems = 1;
    meters.ddb.errors.TransactionCanceledException = 0;
    meters.sqs.requests = { ReceiveMessage: 1, SendMessageBatch: 1, DeleteMessageBatch: 1 };
    expect(costsPerCommand(meters, 10, 150)).toEqual({
      ddbRequests: 0.1,
      transactions: 0.1,
      commandsPerTransaction: 10,
      wcu: 2.2,
      sqsRequests: 0.3,
      cancelled: 0,
    });
    expect(costsPerCommand(emptyMeters(), 0, 150)).toMatchObject({ ddbRequests: 0, commandsPerTransaction: 0, wcu: 0 });
  });

  it('counts every request by operation, errors by name, and the time a request of each operation was in flight', async () => {
    type Handler = (args: { input: unknown }) => Promise<unknown>;
    let middleware: ((next: Handler, context: { commandName?: string }) => Handler) | undefined;
    const client = {
      middlewareStack: {
        add: (added: typeof middleware) => {
          middleware = added;
        },
      },
    };
    let meter: ClientMeter = { requests: {}, errors: {}, busyMs: {} };
    const seen: string[] = [];
    meterClient(
      client as never,
      'deserialize',
      () => meter,
      (operation) => seen.push(operation),
    );
    const send = (commandName: string, outcome: () => Promise<unknown>) =>
      (middleware as NonNullable<typeof middleware>)(outcome, { commandName })({ input: {} });

    let finish: () => void = () => undefined;
    const slow = send('TransactWriteItemsCommand', () => new Promise((resolve) => (finish = () => resolve('ok'))));
    await send('TransactWriteItemsCommand', async () => 'ok');
    await expect(
      send('BatchGetItemCommand', async () => Promise.reject(Object.assign(new Error('x'), { name: 'ThrottlingException' }))),
    ).rejects.toThrow('x');
    await new Promise((resolve) => setTimeout(resolve, 20));
    finish();
    await slow;
    expect(meter.requests).toEqual({ TransactWriteItems: 2, BatchGetItem: 1 });
    expect(meter.errors).toEqual({ ThrottlingException: 1 });
    expect(seen).toEqual(['TransactWriteItems', 'TransactWriteItems', 'BatchGetItem']);
    // One busy span from the first request's start to the slow one's end, not two overlapping ones added up.
    expect(meter.busyMs.TransactWriteItems).toBeGreaterThanOrEqual(15);
    expect(meter.busyMs.TransactWriteItems).toBeLessThan(1_000);

    meter = { requests: {}, errors: {}, busyMs: {} };
    await send('ReceiveMessageCommand', async () => 'ok');
    expect(meter.requests).toEqual({ ReceiveMessage: 1 });
  });

  it('adds up the meters of several workers', () => {
    const one = emptyMeters();
    one.ddb.requests.TransactWriteItems = 2;
    one.writes.maxPutBytes = 100;
    one.writes.puts = 3;
    const two = emptyMeters();
    two.ddb.requests.TransactWriteItems = 1;
    two.ddb.requests.BatchGetItem = 1;
    two.writes.maxPutBytes = 180;
    two.writes.puts = 4;
    const merged = mergeMeters([one, two]);
    expect(merged.ddb.requests).toEqual({ TransactWriteItems: 3, BatchGetItem: 1 });
    expect(merged.writes).toMatchObject({ puts: 7, maxPutBytes: 180 });
  });
});

describe('bench CPU accounting', () => {
  it('reads utime + stime from a /proc stat line, even when the process name has spaces and parentheses', () => {
    const stat = '4242 (java (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 56 0 0 20 0 40 0 100 0 0';
    expect(parseProcStatCpuMs(stat)).toBe((1234 + 56) * 10);
    expect(parseProcStatCpu(stat)).toEqual({ userMs: 12_340, systemMs: 560 });
    expect(parseProcStatCpuMs('garbage')).toBe(0);
  });

  it('counts the cores a run kept busy', () => {
    expect(coresBusy({ driverMs: 500, workerMs: 700, dynamodbMs: 800 }, 1_000)).toBe(2);
    expect(coresBusy({ driverMs: 1, workerMs: 1, dynamodbMs: 1 }, 0)).toBe(0);
  });
});

describe('bench options', () => {
  it('uses the defaults, with flags winning over BENCH_ variables', () => {
    expect(parseBenchOptions([], {})).toEqual(DEFAULT_OPTIONS);
    const options = parseBenchOptions(['--commands', '30000', '--concurrency=8,16', '--scaling'], {
      BENCH_COMMANDS: '25000',
      BENCH_USERS: '200',
    });
    expect(options).toMatchObject({ commands: 30_000, users: 200, concurrencies: [8, 16], scaling: true });
  });

  it('--quick shortens every run, explicit flags still winning; the latency profile can be turned off with 0', () => {
    expect(parseBenchOptions(['--quick'])).toEqual({ ...DEFAULT_OPTIONS, ...QUICK_OPTIONS });
    expect(parseBenchOptions(['--quick', '--hot-commands', '900'], { BENCH_LATENCY_MS: '0' })).toMatchObject({
      quick: true,
      hotCommands: 900,
      latencyMs: 0,
      commands: QUICK_OPTIONS.commands,
    });
    expect(() => parseBenchOptions(['--pollers', '0'])).toThrow(/--pollers must be a whole number ≥ 1/);
  });

  it('sizes an open-loop run in whole batches of 10, at least 100 commands', () => {
    expect(pacedCommands(700, 8)).toBe(5_600);
    expect(pacedCommands(33.3, 8)).toBe(270);
    expect(pacedCommands(5, 3)).toBe(100);
  });

  it('refuses unknown flags, bad numbers and fewer commands than users', () => {
    expect(() => parseBenchOptions(['--comands', '5'])).toThrow(BenchUsageError);
    expect(() => parseBenchOptions(['--users', 'ten'])).toThrow(/--users must be a whole number/);
    expect(() => parseBenchOptions(['--commands', '10', '--users', '100'])).toThrow(/at least --users/);
  });

  it('sizes the saturated window at twice what the workers hold unless one is given', () => {
    expect(windowFor({ pollers: 4 }, 2)).toBe(160);
    expect(windowFor({ pollers: 4 }, 0)).toBe(80);
    expect(windowFor({ pollers: 4, window: 0 }, 2)).toBe(0);
  });
});

describe('bench workload', () => {
  it('builds valid commands round-robin over the users, and reads the index back from a key', () => {
    const commands = benchCommands('r1', 250, ['a', 'b', 'c']);
    expect(commands.every((command) => parseCommand(command).ok)).toBe(true);
    expect(commands.slice(0, 4).map((command) => command.userId)).toEqual(['a', 'b', 'c', 'a']);
    expect(new Set(commands.map((command) => command.idempotentKey)).size).toBe(250);
    expect(commandIndex('r1', commandKey('r1', 42))).toBe(42);
    expect(commandIndex('r1', 'r2-42')).toBe(-1);
  });
});

describe('bench table', () => {
  it('pads columns and right-aligns numeric ones', () => {
    expect(
      formatTable(
        ['run', 'tps'],
        [
          ['ceiling', '1000'],
          ['e2e', '95'],
        ],
      ),
    ).toBe(['run       tps', '-------  ----', 'ceiling  1000', 'e2e        95'].join('\n'));
  });

  it('renders the same table as Markdown, numeric columns right-aligned and pipes escaped', () => {
    expect(
      formatMarkdownTable(
        ['run', 'tps'],
        [
          ['a|b', '1000'],
          ['e2e', '95'],
        ],
      ),
    ).toBe(['| run | tps |', '|---|---:|', '| a\\|b | 1000 |', '| e2e | 95 |'].join('\n'));
  });
});

describe('engineGapLines', () => {
  /** A run of 1,000 commands: `transactions` TransactWriteItems, the store busy for `busyMs` of `elapsedMs`, the JVM using `jvmMs`. */
  const run = (elapsedMs: number, transactions: number, busyMs: number, jvmMs: number) => {
    const meters = emptyMeters();
    meters.ddb.requests.TransactWriteItems = transactions;
    meters.ddb.busyMs.TransactWriteItems = busyMs;
    return { commands: 1000, elapsedMs, tps: 1000 / (elapsedMs / 1000), meters, cpu: { driverMs: 0, workerMs: 0, dynamodbMs: jvmMs } };
  };
  // Engine: 10 transactions of 80 ms, busy 800 of 1,000 ms. Pipeline: 12 of 90 ms (with 81 ms of JVM CPU each), busy 1,080 of 1,350 ms.
  const scenario = { engine: run(1000, 10, 800, 800), grouped: run(1350, 12, 1080, 972) };
  const report = { scenarios: { uniform: scenario, hot: scenario, zipf: scenario } } as unknown as BenchReport;

  it('splits e2e / engine into transactions x time per transaction x store busy, which multiply back to it', () => {
    const [table = '', note = ''] = engineGapLines(report);
    const uniform = table.split('\n').find((line) => line.startsWith('uniform')) ?? '';
    // 1000/1350 = 0.741 = (10/12 = 0.833) x (80/90 = 0.889) x (0.8/0.8 = 1.000)
    expect(uniform).toContain('0.741');
    expect(uniform).toContain('0.833 (10 / 12)');
    expect(uniform).toContain('0.889 (80.0 / 90.0 ms)');
    expect(uniform).toContain('1.000 (0.800 / 0.800)');
    expect(uniform).toContain('80.0 / 81.0');
    expect(uniform).toContain('1.00 / 0.90');
    expect(note).toContain('multiply to e2e / engine');
  });
});
