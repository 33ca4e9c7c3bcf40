import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startEmbeddedStack } from '../../src/local-stack/embedded-stack.js';
import { PortInUseError } from '../../src/errors.js';
import { findFreePort } from '../../src/net/ports.js';
import { createLogger } from '../../src/logger.js';
import { isProcessAlive, runScript, type RunningScript } from '../support/child-process.js';
import { eventually } from '../support/eventually.js';

const run = promisify(execFile);
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Runs a script that is killed when its test ends (the tests that run processes run side by side: each kills only its own). */
function runOwnScript(
  onTestFinished: TestContext['onTestFinished'],
  path: string,
  env: Record<string, string>,
  args?: string[],
): RunningScript {
  const script = runScript(path, env, args);
  onTestFinished(() => {
    script.child.kill('SIGKILL');
  });
  return script;
}

async function occupy(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

async function freePorts(): Promise<Record<string, string>> {
  return { WALLET_EMBEDDED_SQS_PORT: String(await findFreePort()), WALLET_EMBEDDED_DYNAMODB_PORT: String(await findFreePort()) };
}

describe('the embedded stack', () => {
  it.each([
    ['WALLET_EMBEDDED_SQS_PORT', 'SQS'],
    ['WALLET_EMBEDDED_DYNAMODB_PORT', 'DynamoDB'],
  ])('fails fast with PortInUseError when %s is taken', async (variable) => {
    const config = loadConfig({ ...(await freePorts()), [variable]: String(await occupy()) });
    const started = Date.now();
    const error = await startEmbeddedStack(config, createLogger('silent')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as Error).message).toContain(variable);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  // The fail-fast cases above run alone (they time the failure); the three below each start a stack of
  // their own on ports of their own, side by side.
  it.concurrent('kills DynamoDB Local when its parent process is SIGKILLed', async ({ expect, onTestFinished }) => {
    const script = runOwnScript(onTestFinished, 'test/support/embedded-stack-child.ts', await freePorts());
    const pid = Number((await script.waitForOutput(/DYNAMODB_PID=(\d+)/))[1]);
    expect(isProcessAlive(pid)).toBe(true);
    script.child.kill('SIGKILL');
    await eventually('the JVM to die with its parent', () => (isProcessAlive(pid) ? undefined : true), 10_000);
  });

  it.concurrent('kills DynamoDB Local when its parent crashes with an uncaught exception', async ({ expect, onTestFinished }) => {
    const script = runOwnScript(onTestFinished, 'test/support/embedded-stack-child.ts', await freePorts(), ['--crash']);
    const pid = Number((await script.waitForOutput(/DYNAMODB_PID=(\d+)/))[1]);
    expect(await script.exited).not.toBe(0);
    await eventually('the JVM to die with its parent', () => (isProcessAlive(pid) ? undefined : true), 10_000);
  });

  it.concurrent('runs `npm start` end to end: an outside aws CLI client sends a command and reads the reply on its own ReplyTo queue; Ctrl-C stops everything, exit 0', async ({
    expect,
    onTestFinished,
  }) => {
    const start = runOwnScript(onTestFinished, 'scripts/start.ts', {
      ...(await freePorts()),
      WALLET_WAIT_TIME_SECONDS: '2',
      LOG_LEVEL: 'warn',
    });
    const [, commandQueue] = await start.waitForOutput(/command queue\s+(\S+)/);
    const [, replyQueue] = await start.waitForOutput(/reply queue\s+(\S+)/);
    const [, endpoint] = await start.waitForOutput(/SQS endpoint\s+(\S+)/);
    const [, userId, balance] = await start.waitForOutput(/seeded user (\S+)\s+balance (\d+\.\d\d)/);
    const aws = (...args: string[]) =>
      run('aws', ['--region', 'us-east-1', '--endpoint-url', endpoint ?? '', '--output', 'json', ...args], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
      });
    // As the README and the banner show: a reply queue of the client's own, named under the reply queue's name.
    const replyQueueName = `${replyQueue?.slice(replyQueue.lastIndexOf('/') + 1)}-cli-1`;
    const ownQueue = JSON.parse((await aws('sqs', 'create-queue', '--queue-name', replyQueueName)).stdout).QueueUrl as string;
    const body = JSON.stringify({ idempotentKey: 'cli-demo-1', userId, amount: '10.00', type: 'credit' });
    const attributes = JSON.stringify({
      ReplyTo: { DataType: 'String', StringValue: ownQueue },
      CorrelationId: { DataType: 'String', StringValue: 'demo-cli' },
    });
    await aws('sqs', 'send-message', '--queue-url', commandQueue ?? '', '--message-body', body, '--message-attributes', attributes);
    const received = await eventually('a reply on the ReplyTo queue', async () => {
      const { stdout } = await aws(
        'sqs',
        'receive-message',
        '--queue-url',
        ownQueue,
        '--message-attribute-names',
        'CorrelationId',
        '--wait-time-seconds',
        '2',
      );
      return stdout.trim()
        ? (JSON.parse(stdout) as { Messages: { Body: string; MessageAttributes?: Record<string, { StringValue?: string }> }[] })
        : undefined;
    });
    const reply = JSON.parse(received.Messages[0]?.Body ?? '{}') as Record<string, unknown>;
    expect(reply).toMatchObject({ idempotentKey: 'cli-demo-1', status: 'applied', replayed: false });
    expect(received.Messages[0]?.MessageAttributes?.CorrelationId?.StringValue).toBe('demo-cli');
    await aws('sqs', 'delete-queue', '--queue-url', ownQueue);
    expect(reply.newBalance).toBe((Number(balance) + 10).toFixed(2));

    const pid = Number((await start.waitForOutput(/DynamoDB Local, pid (\d+)/))[1]);
    expect(isProcessAlive(pid)).toBe(true);
    start.child.kill('SIGINT');
    expect(await start.exited).toBe(0);
    expect(isProcessAlive(pid)).toBe(false);
  });
});
