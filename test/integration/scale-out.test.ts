import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { Command } from '../../src/messages/command.js';
import type { Reply } from '../../src/messages/reply.js';
import { createWallet, type Wallet } from '../../src/wallet.js';
import { queueDepth } from '../../scripts/chaos/evidence.js';
import { eventually } from '../support/eventually.js';
import { checkLedger } from '../support/ledger-check.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { TcpProxy } from '../../scripts/support/tcp-proxy.js';
import { createUser, testEnv, uniqueKey } from '../support/wallet.js';

/**
 * The worker as it runs in production (scripts/worker.ts, its own OS
 * process) scaled out, against the run's embedded stack as an external
 * endpoint: 1 process on one command queue, 4 processes sharing another, the
 * same users behind both. Every command is decided exactly once and every
 * user's ledger stays consistent, however the processes interleave; 4
 * processes drain their queue clearly faster than 1.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const USERS = 30;
/** Measured commands, half for each side; plus a small unmeasured warm-up per side. */
const COMMANDS = 480;
const ROUNDS = 3;
const WARM_UP = 10;
const OPENING_BALANCE = '100.00';

const children = new Set<ChildProcess>();
/** Latency added to every DynamoDB call: a network hop plus the service's own time (DynamoDB answers in single-digit ms). */
const NETWORK_LATENCY_MS = 20;
let network: TcpProxy;

beforeAll(async () => {
  network = await TcpProxy.start(inject('endpoints').dynamodb, { latencyMs: NETWORK_LATENCY_MS });
});

afterAll(async () => {
  // Whatever happened in the test, no worker outlives it.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await network.close();
});

interface WorkerProcess {
  child: ChildProcess;
  ready: () => boolean;
  output: string[];
}

/** One production worker process; `ready` turns true once it logs that it polls. */
function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/worker.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, WALLET_STACK: 'endpoint', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const output: string[] = [];
  let ready = false;
  const keep = (line: string) => {
    output.push(line);
    if (output.length > 40) output.shift();
  };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.includes('"worker ready"')) ready = true;
    if (!line.includes('"command decided"')) keep(line);
  });
  createInterface({ input: child.stderr! }).on('line', keep);
  return { child, ready: () => ready, output };
}

function commandsFor(users: string[], count: number, label: string): Command[] {
  // Each user gets credits of 1.10 mixed with debits of 25.00 (every third of its commands), so
  // balances go up and down and, as the rounds go on, some debits are refused for insufficient funds.
  return Array.from({ length: count }, (_, index) => {
    const debit = (index + Math.floor(index / users.length)) % 3 === 2;
    return {
      idempotentKey: uniqueKey(`${label}-${index}`),
      userId: users[index % users.length]!,
      type: debit ? 'debit' : 'credit',
      amount: debit ? '25.00' : '1.10',
    };
  });
}

/** A set of worker processes on queues of their own, with the wallet that feeds them and reads their replies. */
interface Group {
  label: string;
  wallet: Wallet;
  workers: WorkerProcess[];
  collector: ReplyCollector;
  commands: Command[];
  measuredSeconds: number;
  measuredCommands: number;
}

async function startGroup(label: string, processes: number): Promise<Group> {
  // As on real AWS, every DynamoDB call crosses a network: a proxy adds its latency. On loopback a worker is bound by
  // the machine's two cores, shared by every process, so adding processes could not show anything; with a network in
  // between, each process is bound by its own round trips, which is what more workers multiply. One poller taking
  // one message at a time keeps each process's own concurrency fixed, so the number of processes is what varies.
  const env = testEnv({
    AWS_ENDPOINT_URL_DYNAMODB: network.endpoint,
    WALLET_POLLERS: '1',
    WALLET_BATCH_SIZE: '1',
    WALLET_VISIBILITY_TIMEOUT_SECONDS: '30',
    WALLET_WAIT_TIME_SECONDS: '1',
  });
  const wallet = await createWallet({ config: loadConfig(env), logger: createLogger('silent') });
  const workers = Array.from({ length: processes }, () => spawnWorker(env));
  return {
    label,
    wallet,
    workers,
    collector: new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply),
    commands: [],
    measuredSeconds: 0,
    measuredCommands: 0,
  };
}

/** Publishes commands to the group's queue and waits until each has its reply; returns the seconds that took. */
async function round(group: Group, commands: Command[]): Promise<number> {
  group.commands.push(...commands);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.ceil(commands.length / 10) }, (_, batch) =>
      group.wallet.clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: group.wallet.queueUrls.command,
          Entries: commands
            .slice(batch * 10, batch * 10 + 10)
            .map((command, index) => ({ Id: String(index), MessageBody: JSON.stringify(command) })),
        }),
      ),
    ),
  );
  const keys = new Set(group.commands.map((command) => command.idempotentKey));
  await eventually(
    `${group.label}: replies to all ${keys.size} commands`,
    async () => {
      await group.collector.drain();
      return (
        new Set(group.collector.replies.map((reply) => reply.idempotentKey).filter((key) => keys.has(key))).size >= keys.size || undefined
      );
    },
    60_000,
  );
  return (performance.now() - started) / 1000;
}

/** Every command has exactly one first-time reply; any redelivery replayed that same outcome. */
function expectDecidedOnce(group: Group): void {
  const byKey = new Map<string, Reply[]>();
  for (const reply of group.collector.replies) byKey.set(reply.idempotentKey, [...(byKey.get(reply.idempotentKey) ?? []), reply]);
  for (const command of group.commands) {
    const forKey = byKey.get(command.idempotentKey) ?? [];
    expect(
      forKey.filter((reply) => !reply.replayed),
      command.idempotentKey,
    ).toHaveLength(1);
    const [first] = forKey;
    for (const reply of forKey) expect({ ...reply, replayed: false }).toEqual({ ...first, replayed: false });
    expect(first).toMatchObject({ userId: command.userId, type: command.type, status: expect.stringMatching(/^(applied|rejected)$/) });
    if (first?.status === 'rejected') expect(first.reason).toBe('insufficient_funds');
  }
}

/** Each user's ledger replays to its stored balance and holds one record per command: nothing lost, nothing doubled. */
async function expectConsistentLedgers(wallet: Wallet, users: string[], commands: Command[]): Promise<void> {
  // Side by side: each check crosses the proxy's added latency several times, one user after another it took 1.5 s.
  const reports = await Promise.all(users.map(async (userId) => [userId, await checkLedger(wallet, userId, OPENING_BALANCE)] as const));
  for (const [userId, report] of reports) {
    expect(report.problems, userId).toEqual([]);
    expect(report.applied.length + report.rejected.length).toBe(commands.filter((command) => command.userId === userId).length);
  }
}

/** Nothing left behind: the command queue drains (deletes follow the replies) and nothing was dead-lettered. */
async function expectDrained(group: Group): Promise<void> {
  const depth = (queueUrl: string) => queueDepth(group.wallet.clients.sqs, queueUrl);
  await eventually(
    `${group.label}: an empty command queue`,
    async () => ((await depth(group.wallet.queueUrls.command)) === 0 ? true : undefined),
    15_000,
  );
  expect(await depth(group.wallet.queueUrls.deadLetter)).toBe(0);
}

/** SPEC rule 9 for the production entry point: SIGTERM, in-flight work finishes, exit 0. */
async function stopGracefully(workers: WorkerProcess[]): Promise<void> {
  const exits = workers.map((worker) => once(worker.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>);
  for (const worker of workers) worker.child.kill('SIGTERM');
  const results = await Promise.all(exits);
  expect(results.map(([code]) => code)).toEqual(workers.map(() => 0));
}

describe('scaling out the production worker', () => {
  it('4 worker processes against one queue: throughput grows with workers while every invariant holds', async () => {
    const groups: Group[] = [];
    const phases: string[] = [];
    let phaseStart = performance.now();
    const phase = (name: string) => {
      phases.push(`${name} ${((performance.now() - phaseStart) / 1000).toFixed(1)} s`);
      phaseStart = performance.now();
    };
    try {
      const single = await startGroup('1 process', 1);
      groups.push(single);
      const four = await startGroup('4 processes', 4);
      groups.push(four);
      const users = await Promise.all(Array.from({ length: USERS }, () => createUser(single.wallet, OPENING_BALANCE)));
      const workers = groups.flatMap((group) => group.workers);
      await eventually(
        `${workers.length} worker processes ready`,
        () => {
          const exited = workers.find((worker) => worker.child.exitCode !== null);
          if (exited) throw new Error(`a worker exited during start-up:\n${exited.output.join('\n')}`);
          return workers.every((worker) => worker.ready()) || undefined;
        },
        60_000,
      );
      phase('start-up');

      // Unmeasured warm-up, then short alternating rounds: load from other work on the machine comes
      // and goes over seconds, and alternating lets both sides meet about the same share of it.
      for (const group of groups) await round(group, commandsFor(users, WARM_UP, `${group.label}-warm`));
      phase('warm-up');
      for (let index = 0; index < ROUNDS; index++) {
        for (const group of groups) {
          const commands = commandsFor(users, COMMANDS / (2 * ROUNDS), `${group.label}-${index}`);
          group.measuredSeconds += await round(group, commands);
          group.measuredCommands += commands.length;
        }
      }
      phase('measured rounds');
      const rate = (group: Group) => group.measuredCommands / group.measuredSeconds;
      console.info(
        `scale-out: ${COMMANDS} measured commands over ${USERS} users in ${ROUNDS} alternating rounds each; ` +
          groups.map((group) => `${group.label} ${rate(group).toFixed(0)} commands/s (${group.measuredSeconds.toFixed(1)} s)`).join(', ') +
          `; ratio ${(rate(four) / rate(single)).toFixed(2)}`,
      );

      for (const group of groups) expectDecidedOnce(group);
      expect(groups.some((group) => group.collector.replies.some((reply) => reply.status === 'rejected'))).toBe(true);
      await expectConsistentLedgers(
        single.wallet,
        users,
        groups.flatMap((group) => group.commands),
      );
      for (const group of groups) await expectDrained(group);
      phase('invariant checks');
      await stopGracefully(workers);
      phase('graceful stop');
      console.info(`scale-out phases: ${phases.join(', ')}`);
      // About 2.2× on a quiet 2-core machine, where the 4-process group hits the machine's CPU; the margin is for noise.
      expect(rate(four)).toBeGreaterThanOrEqual(1.25 * rate(single));
    } catch (error) {
      for (const group of groups) {
        for (const [index, worker] of group.workers.entries())
          console.error(`${group.label}, worker ${index} (exit ${worker.child.exitCode}):\n${worker.output.join('\n')}`);
      }
      throw error;
    } finally {
      for (const worker of groups.flatMap((group) => group.workers)) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      await Promise.all(groups.map((group) => group.wallet.close()));
    }
  }, 170_000);
});
