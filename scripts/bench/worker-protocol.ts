/** Messages between the bench driver and a worker process (over the fork IPC channel). */
import type { WorkerMeters } from './meter.js';

export interface MemorySample {
  rssMb: number;
  heapUsedMb: number;
}

/** What one worker reports when it stops. */
export interface WorkerReport {
  pid: number;
  decided: number;
  memoryAtStart: MemorySample;
  memoryPeak: MemorySample;
  memoryAtEnd: MemorySample;
  meters: WorkerMeters;
  /** RSS and heap every half second of the measured run (separate processes only): a leak shows as a rising heap, not just a high peak. */
  memorySeries?: MemorySample[];
  /** CPU time of the worker's process since it started or since the reset that ended its warm-up (in the driver: 0, the driver's own time counts it). */
  cpuMs: number;
  /** Time spent in garbage collection pauses over the measured run (PerformanceObserver 'gc' entries; 0 in the driver). */
  gcMs?: number;
  /** Those pauses by kind: minor (scavenge), major (mark-compact), incremental, weak callbacks. */
  gcPauses?: { minor: number; major: number };
  /** The measured run's CPU profile, when BENCH_WORKER_PROFILE_DIR asked for one. */
  profilePath?: string;
}

export type WorkerToDriver =
  | { type: 'ready'; pid: number; memory: MemorySample }
  | { type: 'reset'; pid: number }
  | ({ type: 'stopped'; memorySeries: MemorySample[] } & WorkerReport);

/** `reset`: the warm-up is over; count requests and memory from here. */
export type DriverToWorker = { type: 'stop' } | { type: 'reset' };

export function sampleMemory(): MemorySample {
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMb: Math.round(rss / 2 ** 20), heapUsedMb: Math.round(heapUsed / 2 ** 20) };
}
