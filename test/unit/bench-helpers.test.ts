import { describe, expect, it } from 'vitest';
import { commandIndex, commandKey, benchCommands } from '../../scripts/bench/commands.js';
import { BenchUsageError, DEFAULT_OPTIONS, parseBenchOptions, windowFor } from '../../scripts/bench/options.js';
import { formatResultLine, percentile, summarize, throughput } from '../../scripts/bench/stats.js';
import { formatTable } from '../../scripts/bench/table.js';
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
  it('prints the fixed keys in order, rounded, with ratio = e2e / ceiling', () => {
    const line = formatResultLine({ e2eTps: 912.4, ceilingTps: 1000.2, p50Ms: 12.345, p99Ms: 80.06, seedStyleTps: 250.5 });
    expect(line).toBe('RESULT {"e2e_tps":912,"ceiling_tps":1000,"ratio":0.912,"p50_ms":12.3,"p99_ms":80.1,"seed_style_tps":251}');
  });

  it('reports ratio 0 rather than Infinity when there is no ceiling', () => {
    expect(formatResultLine({ e2eTps: 1, ceilingTps: 0, p50Ms: 1, p99Ms: 1, seedStyleTps: 1 })).toContain('"ratio":0,');
  });
});

describe('bench options', () => {
  it('uses the defaults, with flags winning over BENCH_ variables', () => {
    expect(parseBenchOptions([], {})).toEqual(DEFAULT_OPTIONS);
    const options = parseBenchOptions(['--commands', '30000', '--concurrency=8,16', '--scaling'], { BENCH_COMMANDS: '25000', BENCH_USERS: '200' });
    expect(options).toMatchObject({ commands: 30_000, users: 200, concurrencies: [8, 16], scaling: true });
  });

  it('refuses unknown flags, bad numbers and fewer commands than users', () => {
    expect(() => parseBenchOptions(['--comands', '5'])).toThrow(BenchUsageError);
    expect(() => parseBenchOptions(['--users', 'ten'])).toThrow(/--users must be a whole number/);
    expect(() => parseBenchOptions(['--commands', '10', '--users', '100'])).toThrow(/at least --users/);
  });

  it('sizes the window at twice what the workers hold unless one is given', () => {
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
    expect(formatTable(['run', 'tps'], [['ceiling', '1000'], ['e2e', '95']])).toBe(['run       tps', '-------  ----', 'ceiling  1000', 'e2e        95'].join('\n'));
  });
});
