import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { Command } from '../../src/messages/command.js';
import type { Reply } from '../../src/messages/reply.js';
import { createWallet, type Wallet } from '../../src/wallet.js';
import { eventually } from '../support/eventually.js';
import { checkLedger } from '../support/ledger-check.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { createUser, testEnv, uniqueKey } from '../support/wallet.js';

/**
 * The worker as it runs in production (scripts/worker.ts, its own OS
 * process) scaled out: N processes on one command queue, against the run's
 * embedded stack as an external endpoint. Every command is decided exactly
 * once and every user's ledger stays consistent, however the processes
 * interleave; more processes drain the queue at least as fast.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const USERS = 30;
const COMMANDS = 600;
const OPENING_BALANCE = '100.00';

const children = new Set<ChildProcess>();

afterAll(() => {
  // Whatever happened in the test, no worker outlives it.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface WorkerProcess {
  child: ChildProcess;
  ready: () => boolean;
  output: string[];
}

/** One production worker process; one poller each, so a process's own concurrency is fixed and the count of processes is what varies. */
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

function commandsFor(users: string[]): Command[] {
  // Per user: credits of 1.10 and debits of 25.00, about one in three a debit, so some debits are refused for insufficient funds.
  return Array.from({ length: COMMANDS }, (_, index) => ({
    idempotentKey: uniqueKey(`scale-${index}`),
    userId: users[index % users.length]!,
    type: index % 3 === 2 ? 'debit' : 'credit',
    amount: index % 3 === 2 ? '25.00' : '1.10',
  }));
}

interface RunResult {
  commandsPerSecond: number;
  seconds: number;
}

async function run(workerCount: number): Promise<RunResult> {
  const env = testEnv({ WALLET_POLLERS: '1', WALLET_BATCH_SIZE: '10', WALLET_VISIBILITY_TIMEOUT_SECONDS: '30', WALLET_WAIT_TIME_SECONDS: '1' });
  const config = loadConfig(env);
  const wallet: Wallet = await createWallet({ config, logger: createLogger('silent') });
  const workers: WorkerProcess[] = [];
  try {
    const users = await Promise.all(Array.from({ length: USERS }, () => createUser(wallet, OPENING_BALANCE)));
    for (let index = 0; index < workerCount; index++) workers.push(spawnWorker(env));
    await eventually(
      `${workerCount} worker processes ready`,
      () => {
        const exited = workers.find((worker) => worker.child.exitCode !== null);
        if (exited) throw new Error(`a worker exited during start-up:\n${exited.output.join('\n')}`);
        return workers.every((worker) => worker.ready()) || undefined;
      },
      45_000,
    );

    const commands = commandsFor(users);
    const collector = new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: COMMANDS / 10 }, (_, batch) =>
        wallet.clients.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: wallet.queueUrls.command,
            Entries: commands.slice(batch * 10, batch * 10 + 10).map((command, index) => ({ Id: String(index), MessageBody: JSON.stringify(command) })),
          }),
        ),
      ),
    );
    await eventually(
      `replies to all ${COMMANDS} commands`,
      async () => {
        await collector.drain();
        return new Set(collector.replies.map((reply) => reply.idempotentKey)).size >= COMMANDS || undefined;
      },
      45_000,
    );
    const seconds = (performance.now() - started) / 1000;

    await expectEveryInvariant(wallet, commands, users, collector.replies);
    await stopGracefully(workers);
    return { commandsPerSecond: COMMANDS / seconds, seconds };
  } catch (error) {
    for (const [index, worker] of workers.entries()) console.error(`worker ${index} (exit ${worker.child.exitCode}):\n${worker.output.join('\n')}`);
    throw error;
  } finally {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await wallet.close();
  }
}

async function expectEveryInvariant(wallet: Wallet, commands: Command[], users: string[], replies: Reply[]): Promise<void> {
  const byKey = new Map<string, Reply[]>();
  for (const reply of replies) byKey.set(reply.idempotentKey, [...(byKey.get(reply.idempotentKey) ?? []), reply]);
  for (const command of commands) {
    const forKey = byKey.get(command.idempotentKey) ?? [];
    // Decided exactly once: one first-time reply; any redelivery replays that same outcome.
    expect(forKey.filter((reply) => !reply.replayed), command.idempotentKey).toHaveLength(1);
    const [first] = forKey;
    for (const reply of forKey) expect({ ...reply, replayed: false }).toEqual({ ...first, replayed: false });
    expect(first).toMatchObject({ userId: command.userId, type: command.type, status: expect.stringMatching(/^(applied|rejected)$/) });
    if (first?.status === 'rejected') expect(first.reason).toBe('insufficient_funds');
  }
  expect(replies.some((reply) => reply.status === 'rejected')).toBe(true);

  for (const userId of users) {
    const report = await checkLedger(wallet, userId, OPENING_BALANCE);
    expect(report.problems, userId).toEqual([]);
    // Every command of this user has its one record: nothing lost, nothing doubled.
    expect(report.applied.length + report.rejected.length).toBe(commands.filter((command) => command.userId === userId).length);
  }

  // Nothing left behind: the command queue drains (deletes follow the replies) and nothing was dead-lettered.
  const depth = async (queueUrl: string) => {
    const { Attributes = {} } = await wallet.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  };
  await eventually('an empty command queue', async () => ((await depth(wallet.queueUrls.command)) === 0 ? true : undefined), 15_000);
  expect(await depth(wallet.queueUrls.deadLetter)).toBe(0);
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
    const one = await run(1);
    const four = await run(4);
    const ratio = four.commandsPerSecond / one.commandsPerSecond;
    console.info(
      `scale-out: ${COMMANDS} commands over ${USERS} users; 1 process ${one.commandsPerSecond.toFixed(0)} commands/s (${one.seconds.toFixed(1)} s), ` +
        `4 processes ${four.commandsPerSecond.toFixed(0)} commands/s (${four.seconds.toFixed(1)} s), ratio ${ratio.toFixed(2)}`,
    );
    // A noisy 2-core machine shares its cores with the emulators, so no big ratio is required: only that more workers are not slower.
    expect(four.commandsPerSecond).toBeGreaterThanOrEqual(one.commandsPerSecond);
  }, 150_000);
});
