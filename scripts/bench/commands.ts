import type { CreditOrDebit as Command } from '../../src/messages/command.js';
import { seededRandom, zipfSampler } from './zipf.js';

/** How a workload spreads commands over its users. */
export type Distribution = 'round-robin' | 'zipf';

/** Zipf exponent of the skewed workload (s = 1: user k gets 1/k of user 1's commands). */
export const ZIPF_S = 1;
const ZIPF_SEED = 20_261_125;

/** Picks the user index of each command, in order. */
export function userPicker(distribution: Distribution, users: number): (index: number) => number {
  if (distribution === 'round-robin') return (index) => index % users;
  // Seeded: the ceiling and the end-to-end run of a scenario see the same sequence of users.
  const sample = zipfSampler(users, ZIPF_S, seededRandom(ZIPF_SEED));
  return () => sample();
}

/**
 * The workload: `count` valid commands spread over the users (round-robin
 * unless told otherwise), credits and small debits alternating (the opening
 * balance covers every debit, so each one is applied and costs the full
 * write path).
 */
export function benchCommands(runId: string, count: number, userIds: readonly string[], distribution: Distribution = 'round-robin'): Command[] {
  const pick = userPicker(distribution, userIds.length);
  return Array.from({ length: count }, (_, index) => ({
    idempotentKey: commandKey(runId, index),
    userId: userIds[pick(index)] as string,
    amount: `${1 + (index % 97)}.${String(index % 100).padStart(2, '0')}`,
    type: index % 2 === 0 ? 'credit' : 'debit',
  }));
}

export function commandKey(runId: string, index: number): string {
  return `${runId}-${index}`;
}

/** The index a bench key was built from, or -1 for a key of another run. */
export function commandIndex(runId: string, key: string): number {
  if (!key.startsWith(`${runId}-`)) return -1;
  const index = Number(key.slice(runId.length + 1));
  return Number.isInteger(index) ? index : -1;
}
