/** Messages between the bench driver and a worker process (over the fork IPC channel). */
import type { WorkerMeters } from './meter.js';

export interface MemorySample {
  rssMb: number;
  heapUsedMb: number;
}

export type WorkerToDriver =
  | { type: 'ready'; pid: number; memory: MemorySample }
  | { type: 'reset'; pid: number }
  | {
      type: 'stopped';
      pid: number;
      decided: number;
      memoryAtStart: MemorySample;
      memoryPeak: MemorySample;
      memoryAtEnd: MemorySample;
      meters: WorkerMeters;
      /** RSS and heap every half second of the measured run: a leak shows as a rising heap, not just a high peak. */
      memorySeries: MemorySample[];
      /** CPU time the worker process spent since it started (or since the reset that ended its warm-up). */
      cpuMs: number;
    };

/** `reset`: the warm-up is over; count requests and memory from here. */
export type DriverToWorker = { type: 'stop' } | { type: 'reset' };

export function sampleMemory(): MemorySample {
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMb: Math.round(rss / 2 ** 20), heapUsedMb: Math.round(heapUsed / 2 ** 20) };
}
