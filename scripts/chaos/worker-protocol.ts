import { z } from 'zod';

/**
 * What a chaos worker process reads from its environment (on top of the
 * service's own variables) and the lines it writes on stdout for the driver.
 * Logs go to stderr, so stdout carries only these lines.
 */
const fraction = z.coerce.number().min(0).max(1);

export const ChaosWorkerEnvSchema = z.object({
  CHAOS_WORKER_ID: z.string().min(1).describe('Name of this worker in the driver output'),
  CHAOS_SEED: z.coerce.number().int().describe('Seed of the fault PRNG'),
  CHAOS_FAULT_BEFORE: fraction.describe('Fraction of GetItem/TransactWriteItems calls failed before they are sent'),
  CHAOS_FAULT_AFTER: fraction.describe('Fraction of those calls whose success is reported as a failure'),
  CHAOS_FAULT_STALL: fraction.describe('Fraction of those calls held back for CHAOS_STALL_MS first'),
  CHAOS_FAULT_SQS: fraction.describe('Fraction of reply publishes, deletes and visibility changes failed (before or after taking effect)'),
  CHAOS_SLOW_REPLY: fraction.describe('Fraction of decided commands held after the commit for CHAOS_STALL_MS'),
  CHAOS_STALL_MS: z.coerce.number().int().min(0).describe('Length of a stall; longer than the visibility timeout'),
  CHAOS_THROTTLE_USER: z.string().min(1).optional().describe('The hot wallet: its transactions are throttled in bursts'),
  CHAOS_THROTTLE_ON_MS: z.coerce.number().int().min(0).default(0).describe('Length of a throttling burst'),
  CHAOS_THROTTLE_OFF_MS: z.coerce.number().int().min(0).default(0).describe('Pause between throttling bursts'),
});

export type ChaosWorkerEnv = z.infer<typeof ChaosWorkerEnvSchema>;

/** The fault settings of a worker that injects none (the outage and bulkhead phases stage their faults outside the worker). */
export const NO_FAULTS = {
  CHAOS_FAULT_BEFORE: '0',
  CHAOS_FAULT_AFTER: '0',
  CHAOS_FAULT_STALL: '0',
  CHAOS_SLOW_REPLY: '0',
  CHAOS_FAULT_SQS: '0',
  CHAOS_STALL_MS: '0',
} satisfies Partial<Record<keyof ChaosWorkerEnv, string>>;

export type WorkerEvent = { kind: 'ready' } | { kind: 'delivered'; count: number } | { kind: 'fault'; fault: string; command: string };

export const workerLine = {
  ready: () => 'READY\n',
  delivered: (count: number) => `DELIVERED ${count}\n`,
  fault: (fault: string, command: string) => `FAULT ${fault} ${command}\n`,
};

export function parseWorkerLine(line: string): WorkerEvent | undefined {
  const [word, first, second] = line.trim().split(' ');
  if (word === 'READY') return { kind: 'ready' };
  if (word === 'DELIVERED') return { kind: 'delivered', count: Number(first) };
  if (word === 'FAULT') return { kind: 'fault', fault: first ?? '', command: second ?? '' };
  return undefined;
}
