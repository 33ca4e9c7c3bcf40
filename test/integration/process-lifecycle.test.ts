import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, type ExpectStatic, it, type TestContext } from 'vitest';
import { findFreePort } from '../../src/net/ports.js';
import { REPO_ROOT, type RunningScript } from '../support/child-process.js';
import { eventually } from '../support/eventually.js';
import { descendants, isAlive, runNpm, runsIn, tryConnect } from '../support/process-tree.js';

/**
 * SPEC rule 9 as a user meets it: `npm start` and `npm run api` through npm
 * itself, stopped by a terminal's Ctrl-C (SIGINT to the whole process group)
 * or by `kill -TERM` of the npm process alone (an orchestrator, `timeout`).
 */
/**
 * What one test started, so that a failing test leaves nothing running: every
 * process seen below an npm it started is killed when that test ends (the
 * tests run side by side, so each cleans up only its own).
 */
function processesOf(onTestFinished: TestContext['onTestFinished']) {
  const started: RunningScript[] = [];
  const seen = new Set<number>();
  onTestFinished(() => {
    for (const npm of started) {
      if (npm.child.pid !== undefined) for (const pid of [npm.child.pid, ...descendants(npm.child.pid)]) seen.add(pid);
    }
    // Only a process still running in this repository: a pid may have been reused meanwhile.
    for (const pid of seen) if (isAlive(pid) && runsIn(pid, REPO_ROOT)) process.kill(pid, 'SIGKILL');
  });
  return {
    start(args: string[], env: Record<string, string>): RunningScript {
      const npm = runNpm(args, env);
      started.push(npm);
      return npm;
    },
    track(pids: number[]): number[] {
      for (const pid of pids) seen.add(pid);
      return pids;
    },
  };
}

async function ports() {
  const sqsPort = await findFreePort();
  const dynamodbPort = await findFreePort();
  const apiPort = await findFreePort();
  return {
    sqsPort,
    dynamodbPort,
    apiPort,
    env: {
      WALLET_EMBEDDED_SQS_PORT: String(sqsPort),
      WALLET_EMBEDDED_DYNAMODB_PORT: String(dynamodbPort),
      WALLET_API_PORT: String(apiPort),
      WALLET_WAIT_TIME_SECONDS: '1',
      // Longer than DynamoDB Local is frozen below: a store call that waits is in flight, not an outage.
      WALLET_DYNAMODB_TIMEOUT_MS: '60000',
      LOG_LEVEL: 'debug',
    },
  };
}

interface LogLine {
  level: number;
  msg: string;
}

function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

function sqsClient(endpoint: string): SQSClient {
  return new SQSClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

/** 500 credits for the seeded user, so the worker is busy when the signal comes. */
async function publishBacklog(endpoint: string, queueUrl: string, userId: string): Promise<void> {
  const sqs = sqsClient(endpoint);
  try {
    await Promise.all(
      Array.from({ length: 50 }, (_, batch) =>
        sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Array.from({ length: 10 }, (_, index) => ({
              Id: String(index),
              MessageBody: JSON.stringify({ idempotentKey: `lifecycle-${batch}-${index}`, userId, amount: '1', type: 'credit' }),
            })),
          }),
        ),
      ),
    );
  } finally {
    sqs.destroy();
  }
}

/** Waits until the worker has received commands (they are invisible on the queue) it cannot have decided yet. */
async function waitUntilHeld(endpoint: string, queueUrl: string): Promise<void> {
  const sqs = sqsClient(endpoint);
  try {
    await eventually('the worker to hold received commands', async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }),
      );
      return Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) > 0 ? true : undefined;
    });
  } finally {
    sqs.destroy();
  }
}

async function expectNothingLeft(expect: ExpectStatic, processes: number[], listening: number[]): Promise<void> {
  await eventually('every process of the stack to be gone', () => (processes.some(isAlive) ? undefined : true), 10_000);
  for (const port of listening) expect(await tryConnect('127.0.0.1', port), `port ${port}`).toBe('ECONNREFUSED');
}

// Each case runs its own stack (npm, node, DynamoDB Local) on ports of its own, and waits for its
// own outcomes: the four run side by side.
describe.concurrent('stopping the stack started with npm', () => {
  it.for([
    ['Ctrl-C in a terminal (SIGINT to the process group)', 'group-SIGINT'],
    ['kill -TERM of the npm process alone', 'npm-SIGTERM'],
  ])(
    '%s: in-flight commands are decided and replied before DynamoDB Local stops; exit 0; nothing left',
    { timeout: 120_000 },
    async ([, how], { expect, onTestFinished }) => {
      const { start, track } = processesOf(onTestFinished);
      const { sqsPort, dynamodbPort, env } = await ports();
      const npm = start(['start'], env);
      const [, queueUrl] = await npm.waitForOutput(/command queue\s+(\S+)/);
      const [, userId] = await npm.waitForOutput(/seeded user (\S+)/);
      const jvm = Number((await npm.waitForOutput(/DynamoDB Local, pid (\d+)/))[1]);
      const npmPid = npm.child.pid ?? 0;
      const stack = track(descendants(npmPid));
      expect(stack).toContain(jvm);

      // DynamoDB Local is frozen while the backlog arrives, so commands are certainly in flight when the
      // signal comes (waiting for some to be decided first raced the whole backlog being decided).
      process.kill(jvm, 'SIGSTOP');
      await publishBacklog(`http://127.0.0.1:${sqsPort}`, queueUrl ?? '', userId ?? '');
      await waitUntilHeld(`http://127.0.0.1:${sqsPort}`, queueUrl ?? '');
      if (how === 'group-SIGINT') process.kill(-npmPid, 'SIGINT');
      else process.kill(npmPid, 'SIGTERM');
      await npm.waitForOutput(/"msg":"shutting down"/);
      process.kill(jvm, 'SIGCONT');

      expect(await npm.exited, npm.output()).toBe(0);
      await expectNothingLeft(expect, [...stack, npmPid], [sqsPort, dynamodbPort]);

      const lines = logLines(npm.output());
      const at = (msg: string) => lines.findIndex((line) => line.msg === msg);
      // Nothing failed: no command left undecided, no reply unpublished, no refused connection.
      expect(lines.filter((line) => line.level >= 40)).toEqual([]);
      expect(npm.output()).not.toContain('ECONNREFUSED');
      // The signal came while commands were in flight, and they were finished after it …
      expect(lines.slice(at('shutting down')).some((line) => line.msg === 'command decided')).toBe(true);
      // … before the store went away: the worker had stopped (replies sent) when the stack stopped.
      expect(at('shutting down')).toBeGreaterThan(0);
      expect(at('worker stopped')).toBeGreaterThan(at('shutting down'));
      expect(at('embedded stack stopped')).toBeGreaterThan(at('worker stopped'));
    },
  );

  it.for([
    ['SIGINT to the process group', 'group-SIGINT'],
    ['SIGTERM to npm', 'npm-SIGTERM'],
  ])(
    'npm run api with its own stack stops on %s with exit 0 and leaves nothing behind',
    { timeout: 120_000 },
    async ([, how], { expect, onTestFinished }) => {
      const { start, track } = processesOf(onTestFinished);
      const { sqsPort, dynamodbPort, apiPort, env } = await ports();
      const npm = start(['run', 'api'], env);
      await npm.waitForOutput(/wallet API on (\S+)/);
      const npmPid = npm.child.pid ?? 0;
      const stack = track(descendants(npmPid));
      expect(await tryConnect('127.0.0.1', apiPort)).toBe('connected');

      if (how === 'group-SIGINT') process.kill(-npmPid, 'SIGINT');
      else process.kill(npmPid, 'SIGTERM');
      expect(await npm.exited, npm.output()).toBe(0);
      await expectNothingLeft(expect, [...stack, npmPid], [sqsPort, dynamodbPort, apiPort]);
    },
  );
});
