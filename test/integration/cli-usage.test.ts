import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startEmbeddedStack, type EmbeddedStack } from '../../src/local-stack/embedded-stack.js';
import { findFreePort } from '../../src/net/ports.js';
import { createLogger } from '../../src/logger.js';
import type { Wallet } from '../../src/wallet.js';
import { runScript, type RunningScript } from '../support/child-process.js';
import { runNpm } from '../support/process-tree.js';
import { createTestWallet, envFor } from '../support/wallet.js';

/** What a newcomer sees from the scripts: help, usage errors, and which stack they talk to. */
const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

async function finished(script: RunningScript): Promise<{ code: number | string; lines: string[]; output: string }> {
  const code = await script.exited;
  const output = script.output();
  return { code, output, lines: output.split('\n').filter((line) => line.trim() !== '') };
}

/** Embedded-stack configuration on ports where nothing runs. */
async function emptyPorts(): Promise<Record<string, string>> {
  return {
    WALLET_EMBEDDED_SQS_PORT: String(await findFreePort()),
    WALLET_EMBEDDED_DYNAMODB_PORT: String(await findFreePort()),
    WALLET_API_PORT: String(await findFreePort()),
    LOG_LEVEL: 'warn',
  };
}

const SCRIPTS = [
  ...[
    'start',
    'api',
    'admin',
    'worker',
    'publish',
    'balance',
    'history',
    'init-tables',
    'dlq',
    'config-table',
    'synth-template',
    'generate-localstack-init',
  ],
  ...['bench/main', 'chaos/run-chaos'],
];

// Every case runs its own child processes on ports of its own: the cases run side by side (vitest's
// maxConcurrency, 5 at a time), each awaiting its processes' exit, so the file takes the time of its
// slowest cases rather than the sum of all. Assertions use the test's own `expect` (concurrent tests).
describe.concurrent('every script', () => {
  it.for(SCRIPTS)('%s --help prints its usage and exits 0 without starting anything', async (name, { expect }) => {
    const { code, lines, output } = await finished(runScript(`scripts/${name}.ts`, await emptyPorts(), ['--help']));
    expect(code, output).toBe(0);
    expect(lines[0]).toMatch(/^usage: npm (start|run \S+)/);
    expect(output).toContain('Supported: Node.js 20 and 24 (LTS)');
    expect(output).not.toMatch(STACK_TRACE);
  });

  it.for([
    ['balance', [], 'missing argument'],
    ['balance', ['a', 'b'], 'unexpected argument "b"'],
    ['history', ['u', '--limit', 'many'], '--limit must be a whole number'],
    ['history', ['u', '--limt', '5'], 'unknown option --limt'],
    ['publish', ['--user'], 'missing value for --user'],
    ['publish', ['--user', 'u', '--amount', '1'], 'missing --type'],
    ['dlq', ['purge'], 'unknown action "purge"'],
    ['start', ['--admn'], 'unknown option --admn'],
    ['chaos/run-chaos', ['--kills', 'few'], '--kills must be a whole number'],
    ['bench/main', ['--comands', '5'], 'unknown flag --comands'],
  ] as const)(
    '%s %j is a usage error: one line, the usage line, exit code 2, no stack trace',
    async ([name, args, message], { expect }) => {
      const { code, lines, output } = await finished(runScript(`scripts/${name}.ts`, await emptyPorts(), [...args]));
      expect(code, output).toBe(2);
      expect(lines[0]?.startsWith(`error: ${message}`), lines[0]).toBe(true);
      expect(lines[1]).toMatch(/^usage: npm /);
      expect(output).not.toMatch(STACK_TRACE);
    },
  );

  it('behaves the same through npm: `npm run publish -- --help` exits 0, a bad argument exits 2', async ({ expect }) => {
    const [help, bad] = await Promise.all([
      emptyPorts().then((env) => finished(runNpm(['run', '--silent', 'publish', '--', '--help'], env))),
      emptyPorts().then((env) => finished(runNpm(['run', '--silent', 'balance'], env))),
    ]);
    expect(help.code, help.output).toBe(0);
    expect(help.output).toContain('usage: npm run publish -- --user <userId>');
    expect(bad.code, bad.output).toBe(2);
    expect(bad.output).not.toMatch(STACK_TRACE);
  });

  it.for([
    ['balance', ['some-user']],
    ['history', ['some-user']],
    ['publish', ['--user', 'some-user', '--amount', '1.00', '--type', 'credit']],
    ['init-tables', []],
    ['dlq', ['list']],
  ] as const)('%s with no running stack says so on its first line and exits 1', async ([name, args], { expect }) => {
    const { code, lines, output } = await finished(runScript(`scripts/${name}.ts`, await emptyPorts(), [...args]));
    expect(code, output).toBe(1);
    expect(lines[0]).toMatch(/no running wallet stack on 127\.0\.0\.1 .*start one with `npm start`/);
    expect(output).not.toMatch(STACK_TRACE);
  });
});

describe.concurrent('npm run api says whose stack it uses, on its first line', () => {
  it('runs its own embedded stack when none is running, with a worker and seeded users it prints', async ({ expect }) => {
    const api = runScript('scripts/api.ts', await emptyPorts());
    try {
      await api.waitForOutput(/wallet API on/);
      const lines = api.output().split('\n');
      expect(lines[0]).toMatch(/^no running `npm start` found: started an embedded stack of its own \(SQS http:\/\/127\.0\.0\.1:\d+/);
      expect(api.output().match(/seeded user \S+ {2}balance \d+\.\d\d/g)).toHaveLength(10);
    } finally {
      api.child.kill('SIGTERM');
      expect(await api.exited).toBe(0);
    }
  });

  let stack: EmbeddedStack | undefined;
  let ports: Record<string, string>;
  beforeAll(async () => {
    ports = await emptyPorts();
    stack = await startEmbeddedStack(loadConfig(ports), createLogger('warn', 'cli-usage'));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('shares the embedded stack of a running `npm start`', async ({ expect }) => {
    const api = runScript('scripts/api.ts', ports);
    try {
      await api.waitForOutput(/wallet API on/);
      expect(api.output().split('\n')[0]).toBe(
        `sharing the embedded stack of the running \`npm start\` (SQS ${stack?.endpoints.sqs}, DynamoDB ${stack?.endpoints.dynamodb})`,
      );
      expect(api.output()).not.toContain('seeded user');
    } finally {
      api.child.kill('SIGTERM');
      expect(await api.exited).toBe(0);
    }
  });
});

describe.concurrent('output of the scripts', () => {
  let wallet: Wallet;
  beforeAll(async () => {
    wallet = await createTestWallet();
  });
  afterAll(async () => {
    await wallet.close();
  });

  it('has no AWS SDK NodeVersionSupportWarning, whatever Node runs them', async ({ expect }) => {
    const env = { ...envFor(wallet), LOG_LEVEL: 'warn', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '' };
    const { code, output } = await finished(runScript('scripts/balance.ts', env, ['nobody-here']));
    expect(code, output).toBe(1);
    expect(output).not.toContain('NodeVersionSupportWarning');
    expect(output.trim().split('\n')).toEqual(['error (user_not_found): user "nobody-here" does not exist']);
  });
});
