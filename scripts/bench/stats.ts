/**
 * Pure number helpers of the benchmark: percentiles, throughput and the
 * RESULT line. Kept free of I/O so test/unit can pin them down.
 */

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is not in 0..100`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

export function summarize(samples: readonly number[]): LatencySummary {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: percentile(samples, 100) };
}

/** Operations per second over a span in milliseconds. */
export function throughput(operations: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (operations * 1000) / elapsedMs : 0;
}

export function round(value: number, digits = 0): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export interface BenchResult {
  e2eTps: number;
  ceilingTps: number;
  p50Ms: number;
  p99Ms: number;
  seedStyleTps: number;
}

/**
 * The last line `npm run bench` prints, in a fixed key order so a script can
 * grep it: `RESULT {"e2e_tps":…,"ceiling_tps":…,"ratio":…,…}`.
 */
export function formatResultLine(result: BenchResult): string {
  const ratio = result.ceilingTps > 0 ? result.e2eTps / result.ceilingTps : 0;
  const line = {
    e2e_tps: round(result.e2eTps),
    ceiling_tps: round(result.ceilingTps),
    ratio: round(ratio, 3),
    p50_ms: round(result.p50Ms, 1),
    p99_ms: round(result.p99Ms, 1),
    seed_style_tps: round(result.seedStyleTps),
  };
  return `RESULT ${JSON.stringify(line)}`;
}
