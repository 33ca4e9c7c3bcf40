/** Messages between the bench driver and a worker process (over the fork IPC channel). */
import type { WorkerMeters } from './meter.js';

export interface MemorySample {
  rssMb: number;
  heapUsedMb: number;
}

export type WorkerToDriver =
  | { type: 'ready'; pid: number; memory: MemorySample }
  | { type: 'stopped'; pid: number; decided: number; memoryAtStart: MemorySample; memoryPeak: MemorySample; memoryAtEnd: MemorySample; meters: WorkerMeters };

export type DriverToWorker = { type: 'stop' };

export function sampleMemory(): MemorySample {
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMb: Math.round(rss / 2 ** 20), heapUsedMb: Math.round(heapUsed / 2 ** 20) };
}
