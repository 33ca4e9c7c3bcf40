import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * A CPU profile of the measured part of a bench worker's life only (from the
 * reset that ends its warm-up to its stop), which `--cpu-prof` cannot give:
 * that one covers module loading, JIT warm-up and the warm-up commands too.
 * Same V8 sampling profiler, written as a `.cpuprofile` (Chrome DevTools,
 * `scripts/bench/profile-summary.ts`). On request, beside it over the same
 * span, an allocation profile (`.heapprofile`): V8's sampling heap profiler
 * with the objects GC collected kept, so it shows who allocates (what GC
 * then costs), not what is still alive, which `--heap-prof` shows. Opt-in:
 * capturing a stack every few KiB allocated costs CPU the CPU profile would
 * then count.
 */
export interface WorkerProfiler {
  /** (Re)starts sampling: what came before is discarded. */
  start(): Promise<void>;
  /** Stops sampling and writes the profile; returns its path. */
  stop(): Promise<string | undefined>;
}

/** Microseconds between samples: V8's default (1 ms) sees too few samples per batch; 200 µs costs ~1% CPU. */
const SAMPLING_INTERVAL_US = 200;

/** Bytes between allocation samples (V8's default is 32 KiB): finer, for per-command figures. */
const ALLOCATION_SAMPLING_BYTES = 8192;

export function workerProfiler(directory: string, name: string, { allocations }: { allocations: boolean }): WorkerProfiler {
  const session = new Session();
  session.connect();
  let running = false;
  return {
    async start() {
      if (running) {
        await session.post('Profiler.stop');
        if (allocations) await session.post('HeapProfiler.stopSampling');
      }
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
      if (allocations) {
        await session.post('HeapProfiler.enable');
        await session.post('HeapProfiler.startSampling', {
          samplingInterval: ALLOCATION_SAMPLING_BYTES,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
      }
      await session.post('Profiler.start');
      running = true;
    },
    async stop() {
      if (!running) return undefined;
      running = false;
      const { profile } = await session.post('Profiler.stop');
      const path = join(directory, `${name}.cpuprofile`);
      await writeFile(path, JSON.stringify(profile));
      if (allocations) {
        const { profile: sampled } = await session.post('HeapProfiler.stopSampling');
        await writeFile(allocationProfilePath(path), JSON.stringify(sampled));
      }
      session.disconnect();
      return path;
    },
  };
}

/** Where the allocation profile of a CPU profile's span is written. */
export const allocationProfilePath = (cpuProfilePath: string): string => cpuProfilePath.replace(/\.cpuprofile$/, '.heapprofile');
