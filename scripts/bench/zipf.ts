/**
 * A seeded Zipf sampler for the skewed workload: user `k` (1-based rank) is
 * picked with probability proportional to 1 / k^s. Pure and deterministic
 * for a seed, so the ceiling and the end-to-end run of a scenario see the
 * same skew, and a test can pin it down.
 */

export { seededRandom } from '../support/random.js';

/** Cumulative probabilities of ranks 1..n under Zipf(s); the last is exactly 1. */
export function zipfCdf(n: number, s: number): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Zipf needs at least one rank, got ${n}`);
  if (!(s >= 0)) throw new RangeError(`Zipf exponent must be ≥ 0, got ${s}`);
  const cdf = new Float64Array(n);
  let total = 0;
  for (let rank = 1; rank <= n; rank++) {
    total += 1 / rank ** s;
    cdf[rank - 1] = total;
  }
  for (let index = 0; index < n; index++) cdf[index] = (cdf[index] as number) / total;
  cdf[n - 1] = 1;
  return cdf;
}

/** A sampler of 0-based ranks (0 = the most popular), by binary search over the CDF. */
export function zipfSampler(n: number, s: number, random: () => number): () => number {
  const cdf = zipfCdf(n, s);
  return () => {
    const u = random();
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cdf[middle] as number) > u) high = middle;
      else low = middle + 1;
    }
    return low;
  };
}
