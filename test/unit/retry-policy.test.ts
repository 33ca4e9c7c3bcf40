import { describe, expect, it } from 'vitest';
import { afterChange, afterThrottle } from '../../src/ledger/retry-policy.js';

const worker = { maxConflictRetries: 3, ridesOutPressure: true };
const direct = { maxConflictRetries: 3, ridesOutPressure: false };
const high = () => 0.999;
const low = () => 0;

describe('retry policy', () => {
  const changes: [string, number, boolean, typeof worker, string][] = [
    ['retries at once when the item as it is now is known', 1, true, worker, 'retry 0'],
    ['backs off when a transaction is still in flight on the item', 1, false, worker, 'retry 9'],
    ['backs off longer on later attempts, up to 200 ms', 10, false, worker, 'give-up'],
    ['retries on the last allowed attempt', 3, false, worker, 'retry 39'],
    ['gives up past the retries', 4, true, worker, 'give-up'],
  ];
  for (const [what, attempts, settled, limits, expected] of changes) {
    it(`after a change: ${what}`, () => {
      const step = afterChange(attempts, settled, limits, high);
      expect(step.kind === 'retry' ? `retry ${step.delayMs}` : step.kind).toBe(expected);
    });
  }

  it('caps the conflict backoff at 200 ms', () => {
    const step = afterChange(50, false, { ...worker, maxConflictRetries: 100 }, high);
    expect(step).toEqual({ kind: 'retry', delayMs: 199 });
  });

  const throttles: [string, number, typeof worker, () => number, string][] = [
    ['waits at least half the ceiling, so the wait keeps growing', 1, worker, low, 'retry 50'],
    ['doubles the ceiling per throttle', 4, worker, low, 'retry 400'],
    ['stops growing at 5 s', 30, worker, high, 'retry 4997'],
    ['never gives up while a circuit rides the pressure out (five minutes of throttling is ~60 tries)', 1_000, worker, low, 'retry 2500'],
    ['gives up past the retries without a circuit (the direct API)', 4, direct, low, 'give-up'],
  ];
  for (const [what, count, limits, random, expected] of throttles) {
    it(`after throttling: ${what}`, () => {
      const step = afterThrottle(count, limits, random);
      expect(step.kind === 'retry' ? `retry ${step.delayMs}` : step.kind).toBe(expected);
    });
  }
});
