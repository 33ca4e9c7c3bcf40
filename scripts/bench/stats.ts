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

/** a / b, or 0 when there is no b (never Infinity or NaN in the RESULT line). */
export function ratioOf(a: number, b: number): number {
  return b > 0 && Number.isFinite(a) ? a / b : 0;
}

export interface BenchResult {
  /** Uniform workload (100 users), grouping on, at saturation. */
  e2eTps: number;
  /** The best one-transaction-per-command rate on the same workload. */
  ceilingTps: number;
  /** Enqueue → reply latency of the uniform workload at ~70% of its saturated rate (open loop). */
  p50Ms: number;
  p99Ms: number;
  seedStyleTps: number;
  hotUserTps: number;
  hotUserCeilingTps: number;
  zipfTps: number;
  zipfCeilingTps: number;
  /** One hot user with ~10 ms each way in front of DynamoDB: grouped, and one transaction per command. */
  latencyHotTps: number;
  latencyHotCeilingTps: number;
  wcuPerCommandHot: number;
  /** Each scenario's grouped saturated e2e rate and its engine-only rate (no queue) in the same run: the pipeline against its own engine. */
  uniformEngineTps: number;
  hotEngineTps: number;
  zipfEngineTps: number;
  /** The worker processes' CPU (from /proc, all threads) per command over the grouped saturated run. */
  workerCpuMsPerCommandUniform: number;
  workerCpuMsPerCommandHot: number;
}

/**
 * The last line `npm run bench` prints, in a fixed key order so a script can
 * grep it: `RESULT {"e2e_tps":…,"ceiling_tps":…,"ratio":…,…}`.
 */
export function formatResultLine(result: BenchResult): string {
  const line = {
    e2e_tps: round(result.e2eTps),
    ceiling_tps: round(result.ceilingTps),
    ratio: round(ratioOf(result.e2eTps, result.ceilingTps), 3),
    p50_ms: round(result.p50Ms, 1),
    p99_ms: round(result.p99Ms, 1),
    seed_style_tps: round(result.seedStyleTps),
    hot_user_tps: round(result.hotUserTps),
    hot_user_ceiling_tps: round(result.hotUserCeilingTps),
    hot_ratio: round(ratioOf(result.hotUserTps, result.hotUserCeilingTps), 3),
    zipf_ratio: round(ratioOf(result.zipfTps, result.zipfCeilingTps), 3),
    latency_profile_hot_ratio: round(ratioOf(result.latencyHotTps, result.latencyHotCeilingTps), 3),
    wcu_per_command_hot: round(result.wcuPerCommandHot, 3),
    e2e_over_engine_uniform: round(ratioOf(result.e2eTps, result.uniformEngineTps), 3),
    e2e_over_engine_hot: round(ratioOf(result.hotUserTps, result.hotEngineTps), 3),
    e2e_over_engine_zipf: round(ratioOf(result.zipfTps, result.zipfEngineTps), 3),
    worker_cpu_ms_per_command_uniform: round(result.workerCpuMsPerCommandUniform, 3),
    worker_cpu_ms_per_command_hot: round(result.workerCpuMsPerCommandHot, 3),
  };
  return `RESULT ${JSON.stringify(line)}`;
}
