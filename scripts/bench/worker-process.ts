import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createWallet } from '../../src/wallet.js';
import { ownCpuMs } from './cpu.js';
import { emptyMeters, meterWallet } from './meter.js';
import { startQueueEcho } from './queue-echo.js';
import { workerProfiler } from './worker-profile.js';
import { sampleMemory, type DriverToWorker, type MemorySample, type WorkerToDriver } from './worker-protocol.js';

/**
 * One worker OS process for the bench: the service's own worker, configured
 * from the environment the driver passes (endpoints, queues, tables, tuning).
 * It reports its memory when ready and when stopped, so the driver can show
 * whether RSS stays flat over the run, and what it asked of DynamoDB and SQS
 * (metered inside its own clients). With BENCH_QUEUE_ONLY=true it runs the
 * queue echo instead of the worker (the queue-only bound).
 */
if (!process.send) throw new Error('worker-process.ts is started by the bench driver (child_process.fork)');
const send = (message: WorkerToDriver) => process.send?.(message);

const config = loadConfig(process.env);
const logger = createLogger(config.logLevel, `bench-worker-${process.pid}`);
const wallet = await createWallet({ config, logger });
let meters = emptyMeters();
// After createWallet: its own setup calls (queues, tables) are not the worker's traffic.
meterWallet(wallet.clients, () => meters);
let decided = 0;
const worker =
  process.env.BENCH_QUEUE_ONLY === 'true'
    ? startQueueEcho(wallet.clients.sqs, wallet.queueUrls, config.worker.pollers, (count) => {
        decided += count;
      })
    : wallet.startWorker({ hooks: { afterApply: () => void decided++ } });

// BENCH_WORKER_PROFILE_DIR: a CPU profile of the measured run only (see worker-profile.ts); BENCH_WORKER_ALLOCATIONS=true: and an allocation profile.
const profileDir = process.env.BENCH_WORKER_PROFILE_DIR;
const profiler = profileDir
  ? workerProfiler(profileDir, `worker-${process.pid}`, { allocations: process.env.BENCH_WORKER_ALLOCATIONS === 'true' })
  : undefined;
let memoryAtStart = sampleMemory();
let cpuAtStart = ownCpuMs();
let memoryPeak: MemorySample = memoryAtStart;
// Sampled rather than read once at the end: a leak shows as a growing peak.
let memorySeries: MemorySample[] = [];
// Every 0.5 s: process.memoryUsage() reads /proc and walks the heap's spaces, and at 4 a second
// it showed in the worker's own CPU profile (~5% of the CPU per command this process reports).
const sampler = setInterval(() => {
  const now = sampleMemory();
  if (now.rssMb > memoryPeak.rssMb) memoryPeak = now;
  memorySeries.push(now);
}, 500);
// GC pauses of the measured run: what --max-semi-space-size trades (fewer, longer scavenges).
let gcMs = 0;
let gcPauses = { minor: 0, major: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMs += entry.duration;
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) gcPauses.minor++;
    else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gcPauses.major++;
  }
}).observe({ entryTypes: ['gc'] });
send({ type: 'ready', pid: process.pid, memory: memoryAtStart });

async function stop(): Promise<void> {
  // Before the stop: its idle tail (the last long polls ending) is not the run.
  const profilePath = await profiler?.stop();
  await worker.stop();
  clearInterval(sampler);
  const memoryAtEnd = sampleMemory();
  send({
    type: 'stopped',
    pid: process.pid,
    decided,
    memoryAtStart,
    memoryPeak,
    memoryAtEnd,
    meters,
    memorySeries,
    cpuMs: ownCpuMs() - cpuAtStart,
    gcMs,
    gcPauses,
    ...(profilePath && { profilePath }),
  });
  await wallet.close();
  process.disconnect();
}

process.on('message', (message: DriverToWorker) => {
  if (message.type === 'stop') void stop();
  if (message.type === 'reset') {
    meters = emptyMeters();
    decided = 0;
    memoryAtStart = sampleMemory();
    memoryPeak = memoryAtStart;
    memorySeries = [];
    cpuAtStart = ownCpuMs();
    gcMs = 0;
    gcPauses = { minor: 0, major: 0 };
    void (profiler?.start() ?? Promise.resolve()).then(() => send({ type: 'reset', pid: process.pid }));
  }
});
// The driver died: nothing will ever ask us to stop.
process.on('disconnect', () => void worker.stop().then(() => process.exit(0)));
