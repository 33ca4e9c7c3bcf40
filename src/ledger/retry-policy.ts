/**
 * Retry policy: when a command is decided again after its transaction was
 * cancelled, and when it stops trying. Pure: the engine passes the count so
 * far and its randomness.
 *
 * - An item that changed under the decision (another writer): retried at
 *   once when its new state is known, else after a short jittered backoff
 *   (one draw per transaction, so its commands retry together), up to the configured retries, then left for
 *   redelivery (`conflict_retries_exhausted`).
 * - Throttling (store pressure): never charged. With a store circuit (the
 *   worker) it is ridden out like an outage, however long it lasts; without
 *   one (the direct API) it is given up after as many tries, as an outage is.
 */

export type RetryStep = { kind: 'retry'; delayMs: number } | { kind: 'give-up' };

export interface RetryLimits {
  maxConflictRetries: number;
  /** true: a store circuit pauses the worker under pressure, so throttling is ridden out. */
  ridesOutPressure: boolean;
}

const CONFLICT_BASE_MS = 5;
const CONFLICT_CAP_MS = 200;
const THROTTLE_BASE_MS = 50;
const THROTTLE_CAP_MS = 5_000;

/**
 * After the `attempts`-th change of an item this command read (1 = the
 * first); `settled`: the item as it is now is known (no need to wait).
 */
export function afterChange(attempts: number, settled: boolean, limits: RetryLimits, random: () => number): RetryStep {
  if (attempts > limits.maxConflictRetries) return { kind: 'give-up' };
  if (settled) return { kind: 'retry', delayMs: 0 };
  // Full jitter: contenders spread out instead of colliding again in step.
  return { kind: 'retry', delayMs: Math.floor(random() * Math.min(CONFLICT_CAP_MS, CONFLICT_BASE_MS * 2 ** attempts)) };
}

/** After the `throttles`-th throttled attempt of this command. */
export function afterThrottle(throttles: number, limits: RetryLimits, random: () => number): RetryStep {
  if (!limits.ridesOutPressure && throttles > limits.maxConflictRetries) return { kind: 'give-up' };
  // Equal jitter: the wait keeps growing to the cap, so a hot key is asked less and less often.
  const ceiling = Math.min(THROTTLE_CAP_MS, THROTTLE_BASE_MS * 2 ** Math.min(throttles, 20));
  return { kind: 'retry', delayMs: Math.floor(ceiling / 2 + random() * (ceiling / 2)) };
}
