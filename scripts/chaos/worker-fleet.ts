import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pick, type Random } from '../support/random.js';
import { parseWorkerLine, type WorkerEvent } from './worker-protocol.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER_ENTRY = 'scripts/chaos/chaos-worker.ts';
const READY_TIMEOUT_MS = 60_000;
/** How long a kill waits for the victim to be handed a batch before killing it anyway. */
const MID_BATCH_WAIT_MS = 10_000;
const MAX_KILL_DELAY_MS = 300;
/**
 * How long a SIGTERMed worker may take to finish and exit before it is SIGKILLed and reported: past
 * the longest legitimate stop (a long poll's wait plus a visibility timeout, with the defaults 55 s).
 */
const STOP_TIMEOUT_MS = 90_000;

interface RunningWorker {
  id: string;
  child: ChildProcess;
  exited: Promise<number | string>;
  /** Set before we signal it, so its exit is not reported as a crash. */
  expectedExit: boolean;
  listeners: Set<(event: WorkerEvent) => void>;
}

export interface FleetOptions {
  count: number;
  /** The service's variables plus the CHAOS_* fault settings, minus id and seed. */
  env: Record<string, string>;
  logDir: string;
  seed: number;
  log(message: string): void;
}

/**
 * The worker processes of a chaos run: starts them, SIGKILLs one while it
 * holds a batch and starts a replacement, counts deliveries and faults, and
 * notes any worker that dies on its own (a crash is a finding).
 */
export class WorkerFleet {
  deliveries = 0;
  kills = 0;
  readonly faults = new Map<string, number>();
  readonly crashes: string[] = [];
  private readonly workers = new Map<string, RunningWorker>();
  private spawned = 0;

  constructor(private readonly options: FleetOptions) {}

  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.count }, () => this.spawnWorker()));
  }

  /** SIGKILLs a random worker right after SQS handed it messages (so mid-batch), then replaces it. */
  async killOneMidBatch(random: Random): Promise<string> {
    const victim = pick(random, [...this.workers.values()]);
    const gotBatch = await this.nextEvent(victim, (event) => event.kind === 'delivered', MID_BATCH_WAIT_MS);
    // Somewhere between "just received" and "half applied": some of the batch may be committed, none replied.
    await sleep(random() * MAX_KILL_DELAY_MS);
    victim.expectedExit = true;
    victim.child.kill('SIGKILL');
    await victim.exited;
    this.kills++;
    this.workers.delete(victim.id);
    await this.spawnWorker();
    return `${victim.id}${gotBatch ? ' (mid-batch)' : ' (idle: no batch within the wait)'}`;
  }

  /** SIGTERMs every worker: each must finish its in-flight messages and exit 0 (in time, or it is SIGKILLed and reported). */
  async stop(): Promise<string[]> {
    const problems: string[] = [];
    await Promise.all(
      [...this.workers.values()].map(async (worker) => {
        worker.expectedExit = true;
        worker.child.kill('SIGTERM');
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          problems.push(
            `worker ${worker.id} did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM (SIGKILLed); see ${join(this.options.logDir, `${worker.id}.log`)}`,
          );
          worker.child.kill('SIGKILL');
        }, STOP_TIMEOUT_MS);
        const code = await worker.exited;
        clearTimeout(timer);
        if (code !== 0 && !timedOut) problems.push(`worker ${worker.id} exited with ${code} on SIGTERM`);
      }),
    );
    this.workers.clear();
    return problems;
  }

  private async spawnWorker(): Promise<void> {
    const id = `w${++this.spawned}`;
    const logFd = openSync(join(this.options.logDir, `${id}.log`), 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...this.options.env,
        CHAOS_WORKER_ID: id,
        CHAOS_SEED: String(this.options.seed + this.spawned),
      },
      // stdin is a pipe the worker watches: it ends when the driver dies, however it dies.
      stdio: ['pipe', 'pipe', logFd],
    });
    closeSync(logFd);
    const worker: RunningWorker = {
      id,
      child,
      expectedExit: false,
      listeners: new Set(),
      exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'))),
    };
    this.workers.set(id, worker);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = parseWorkerLine(line);
      if (!event) return;
      if (event.kind === 'delivered') this.deliveries += event.count;
      if (event.kind === 'fault') this.faults.set(event.fault, (this.faults.get(event.fault) ?? 0) + 1);
      for (const listener of worker.listeners) listener(event);
    });
    void worker.exited.then((code) => this.onExit(worker, code));
    const ready = await this.nextEvent(worker, (event) => event.kind === 'ready', READY_TIMEOUT_MS);
    if (!ready) throw new Error(`worker ${id} did not start within ${READY_TIMEOUT_MS} ms (see ${join(this.options.logDir, `${id}.log`)})`);
  }

  private onExit(worker: RunningWorker, code: number | string): void {
    if (worker.expectedExit) return;
    this.crashes.push(`worker ${worker.id} died on its own (${code}); see ${join(this.options.logDir, `${worker.id}.log`)}`);
    this.options.log(`worker ${worker.id} crashed (${code}); starting a replacement`);
    this.workers.delete(worker.id);
    void this.spawnWorker().catch((error: unknown) => this.crashes.push(`replacement for ${worker.id} failed: ${String(error)}`));
  }

  /** Resolves true on the first matching event, false on timeout or exit. */
  private nextEvent(worker: RunningWorker, matches: (event: WorkerEvent) => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (result: boolean) => {
        clearTimeout(timer);
        worker.listeners.delete(listener);
        resolve(result);
      };
      const listener = (event: WorkerEvent) => matches(event) && done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      worker.listeners.add(listener);
      void worker.exited.then(() => done(false));
    });
  }
}
