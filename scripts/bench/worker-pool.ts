import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killOnExit } from '../../src/local-stack/child-processes.js';
import type { Logger } from 'pino';
import { emptyMeters, meterWallet } from './meter.js';
import { openPhase } from './stack.js';
import { sampleMemory, type WorkerReport, type WorkerToDriver } from './worker-protocol.js';

export interface WorkerPool {
  /** The worker processes' ids (none when the worker runs inside the driver): their CPU is read from /proc over the measured run. */
  pids: number[];
  /** The warm-up is over: every worker counts requests, commands and memory from now on. */
  reset(): Promise<void>;
  /** Stops every worker (in-flight messages finish) and returns what each reported. */
  stop(): Promise<WorkerReport[]>;
  /** The run failed: end the workers at once, before the stack they poll goes away. */
  kill(): void;
}

const WORKER_ENTRY = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

/** `count` worker OS processes on the phase's environment, with `nodeArgs` (V8 flags) on top of BENCH_WORKER_NODE_ARGS; resolves once all are polling. */
export async function startWorkerProcesses(
  count: number,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<WorkerPool> {
  const children = Array.from({ length: count }, () => {
    // BENCH_WORKER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the workers, which NODE_OPTIONS cannot.
    const fromEnv = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
    const child = fork(WORKER_ENTRY, [], {
      execArgv: [...fromEnv, ...nodeArgs, '--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    killOnExit(child);
    return child;
  });
  await Promise.all(children.map((child) => nextMessage(child, 'ready', READY_TIMEOUT_MS)));
  return {
    pids: children.map((child) => child.pid ?? 0),
    async reset() {
      await Promise.all(
        children.map((child) => {
          const done = nextMessage(child, 'reset', READY_TIMEOUT_MS);
          child.send({ type: 'reset' });
          return done;
        }),
      );
    },
    async stop() {
      return Promise.all(
        children.map(async (child) => {
          const stopped = nextMessage(child, 'stopped', READY_TIMEOUT_MS);
          child.send({ type: 'stop' });
          const report = await stopped;
          const exited = child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
          await exited;
          return report;
        }),
      );
    },
    kill() {
      for (const child of children) child.kill('SIGKILL');
    },
  };
}

/**
 * The worker inside the driver process (to compare with separate processes),
 * on a wallet of its own so its meters see only the worker's requests.
 */
export async function startWorkerInProcess(env: Record<string, string>, logger: Logger): Promise<WorkerPool> {
  const wallet = await openPhase(env, logger);
  let meters = emptyMeters();
  meterWallet(wallet.clients, () => meters);
  let decided = 0;
  let memoryAtStart = sampleMemory();
  let memoryPeak = memoryAtStart;
  const sampler = setInterval(() => {
    const now = sampleMemory();
    if (now.rssMb > memoryPeak.rssMb) memoryPeak = now;
  }, 250);
  const worker = wallet.startWorker({ hooks: { afterApply: () => void decided++ } });
  return {
    pids: [],
    async reset() {
      meters = emptyMeters();
      decided = 0;
      memoryAtStart = sampleMemory();
      memoryPeak = memoryAtStart;
    },
    async stop() {
      await worker.stop();
      clearInterval(sampler);
      await wallet.close();
      return [{ pid: process.pid, decided, memoryAtStart, memoryPeak, memoryAtEnd: sampleMemory(), meters, cpuMs: 0 }];
    },
    kill() {
      clearInterval(sampler);
      void worker.stop().then(() => wallet.close());
    },
  };
}

function nextMessage<T extends WorkerToDriver['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<WorkerToDriver, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`worker ${child.pid} sent no '${type}' within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: WorkerToDriver) => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as Extract<WorkerToDriver, { type: T }>);
    };
    const onExit = (code: number | null) => fail(new Error(`worker ${child.pid} exited (${code}) before '${type}'`));
    function fail(error: Error) {
      cleanup();
      reject(error);
    }
    function cleanup() {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}
