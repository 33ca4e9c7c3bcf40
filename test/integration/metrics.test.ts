import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, it } from 'vitest';
import { findFreePort } from '../../src/net/ports.js';
import { createLogger } from '../../src/logger.js';
import { createOperations } from '../../src/observability/operations.js';
import { createWallet } from '../../src/wallet.js';
import { testCleanups } from '../support/cleanups.js';
import { eventually } from '../support/eventually.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { runScript } from '../support/child-process.js';
import { TcpProxy } from '../../scripts/support/tcp-proxy.js';
import { createUser, envFor, testConfig, uniqueKey } from '../support/wallet.js';

type Cleanups = ReturnType<typeof testCleanups>;

/** A worker with its operations server on a free port, EMF lines kept in `emfLines`. */
async function observedWallet(cleanups: Cleanups, overrides: Record<string, string> = {}) {
  const config = testConfig({ WALLET_METRICS_PORT: String(await findFreePort()), WALLET_READY_PROBE_SECONDS: '1', ...overrides });
  const logger = createLogger(config.logLevel, 'test');
  const emfLines: string[] = [];
  const operations = createOperations(config, logger, (line) => emfLines.push(line));
  const wallet = await createWallet({ config, logger, telemetry: operations.telemetry });
  cleanups.defer(() => wallet.close());
  wallet.startWorker();
  await operations.start({ ddb: wallet.clients.ddb, config: wallet.config });
  cleanups.defer(() => operations.stop());
  const url = operations.url ?? '';
  return { wallet, operations, url, emfLines };
}

/** The value of one sample of the Prometheus text, e.g. sample(text, 'wallet_reused_keys_total'). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value) && Object.keys(found).length === Object.keys(labels).length)
      return Number(match[3]);
  }
  return undefined;
}

async function status(url: string): Promise<{ code: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { code: response.status, body: (await response.json()) as Record<string, unknown> };
}

// The cases run side by side, each with a wallet, queues and ports of its own: their time is waits on
// replies, probes and a worker process, which overlap instead of adding up. Each has its own cleanups.
describe.concurrent("the worker's metrics and health endpoints", () => {
  it('counts commands sent through the queue by type, status and reason on /metrics, and writes the same figures as EMF lines', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const { wallet, operations, url, emfLines } = await observedWallet(cleanups, {
      WALLET_METRICS_EMF: 'true',
      WALLET_METRICS_EMF_INTERVAL_SECONDS: '3600',
    });
    const replies = new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply);
    const userId = await createUser(wallet, '100');
    const credit = uniqueKey('credit');
    const debit = uniqueKey('debit');
    const invalid = uniqueKey('invalid');
    const steps: [string, () => Promise<unknown>][] = [
      [credit, () => wallet.publishTransaction({ idempotentKey: credit, userId, type: 'credit', amount: '10' })],
      [credit, () => wallet.publishTransaction({ idempotentKey: credit, userId, type: 'credit', amount: '10' })],
      [debit, () => wallet.publishTransaction({ idempotentKey: debit, userId, type: 'debit', amount: '500' })],
      [credit, () => wallet.publishTransaction({ idempotentKey: credit, userId, type: 'credit', amount: '20' })],
      [
        invalid,
        () =>
          wallet.clients.sqs.send(
            new SendMessageCommand({
              QueueUrl: wallet.queueUrls.command,
              MessageBody: JSON.stringify({ idempotentKey: invalid, userId, type: 'credit', amount: '1e2' }),
            }),
          ),
      ],
    ];
    const seen = new Map<string, number>();
    for (const [key, send] of steps) {
      await send();
      seen.set(key, (seen.get(key) ?? 0) + 1);
      await replies.waitForKey(key, seen.get(key));
    }

    const text = await eventually('the last batch to finish', async () => {
      const body = await (await fetch(`${url}/metrics`)).text();
      return sample(body, 'wallet_messages_in_flight') === 0 ? body : undefined;
    });
    expect(sample(text, 'wallet_commands_decided_total', { type: 'credit', status: 'applied', reason: 'none' })).toBe(2);
    expect(sample(text, 'wallet_commands_decided_total', { type: 'debit', status: 'rejected', reason: 'insufficient_funds' })).toBe(1);
    expect(sample(text, 'wallet_commands_decided_total', { type: 'credit', status: 'rejected', reason: 'idempotency_key_reused' })).toBe(1);
    expect(sample(text, 'wallet_replays_total', { type: 'credit' })).toBe(1);
    expect(sample(text, 'wallet_reused_keys_total')).toBe(1);
    expect(sample(text, 'wallet_invalid_commands_total')).toBe(1);
    expect(sample(text, 'wallet_decide_duration_seconds_count')).toBe(4);
    expect(sample(text, 'wallet_end_to_end_duration_seconds_count')).toBe(5);
    expect(sample(text, 'wallet_group_commit_size_sum')).toBe(2);
    expect(sample(text, 'wallet_conflict_retries_total')).toBe(0);
    expect(sample(text, 'wallet_dead_lettered_total')).toBeUndefined();
    expect(sample(text, 'wallet_poll_state', { state: 'polling' })).toBe(1);
    expect(sample(text, 'wallet_poll_paused')).toBe(0);
    expect(text).toContain('wallet_process_nodejs_version_info');

    await operations.stop();
    const documents = emfLines.map(
      (line) =>
        JSON.parse(line) as Record<string, unknown> & {
          _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
        },
    );
    expect(emfLines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    for (const document of documents) {
      const [directive] = document._aws.CloudWatchMetrics;
      expect(directive?.Namespace).toBe('WalletWorker');
      for (const metric of directive?.Metrics ?? []) expect(document).toHaveProperty(metric.Name);
      for (const dimension of directive?.Dimensions.flat() ?? []) expect(typeof document[dimension]).toBe('string');
      expect(document.Queue).toBe(wallet.config.queues.command);
    }
    const emfValue = (name: string, labels: Record<string, string> = {}) =>
      documents
        .filter((document) => name in document && Object.entries(labels).every(([key, value]) => document[key] === value))
        .reduce((sum, document) => sum + (Array.isArray(document[name]) ? (document[name] as number[]).length : Number(document[name])), 0);
    expect(emfValue('CommandsDecided', { type: 'credit', status: 'applied', reason: 'none' })).toBe(2);
    expect(emfValue('CommandsDecided', { type: 'debit', status: 'rejected', reason: 'insufficient_funds' })).toBe(1);
    expect(emfValue('CommandsDecided', { type: 'credit', status: 'rejected', reason: 'idempotency_key_reused' })).toBe(1);
    expect(emfValue('Replays', { type: 'credit' })).toBe(1);
    expect(emfValue('ReusedKeys')).toBe(1);
    expect(emfValue('InvalidCommands')).toBe(1);
    expect(emfValue('DecideLatency')).toBe(4);
    expect(emfValue('EndToEndLatency')).toBe(5);
    expect(emfValue('GroupCommitSize')).toBe(2);
    expect(emfValue('MessagesInFlight')).toBe(0);
  });

  it('answers /healthz always and /readyz 503 while DynamoDB is unreachable, 200 again once it is back', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const config = testConfig();
    const proxy = await TcpProxy.start(config.endpoints.dynamodb ?? '');
    cleanups.defer(() => proxy.close());
    const { wallet, url } = await observedWallet(cleanups, { AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint });
    const userId = await createUser(wallet, '10');

    await eventually('ready', async () => ((await status(`${url}/readyz`)).code === 200 ? true : undefined));
    proxy.cut();
    const down = await eventually('not ready', async () => {
      const answer = await status(`${url}/readyz`);
      return answer.code === 503 ? answer : undefined;
    });
    expect(down.body).toMatchObject({ status: 'not_ready', store: { reachable: false } });
    expect((await status(`${url}/healthz`)).code).toBe(200);

    // A command meets the outage: the worker pauses (its store circuit opens) and says so.
    const key = uniqueKey('during-outage');
    await wallet.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '1' });
    const paused = await eventually('polling paused', async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return sample(text, 'wallet_poll_paused') === 1 ? text : undefined;
    });
    expect(sample(paused, 'wallet_poll_pauses_total')).toBe(1);
    expect((await status(`${url}/readyz`)).body).toMatchObject({ poll: 'paused' });

    proxy.restore();
    const up = await eventually('ready again', async () => {
      const answer = await status(`${url}/readyz`);
      return answer.code === 200 ? answer : undefined;
    });
    expect(up.body).toMatchObject({ status: 'ready', poll: 'polling', store: { reachable: true } });
    await new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply).waitForKey(key);
    const after = await (await fetch(`${url}/metrics`)).text();
    expect(sample(after, 'wallet_poll_paused')).toBe(0);
    expect(sample(after, 'wallet_commands_decided_total', { type: 'credit', status: 'applied', reason: 'none' })).toBe(1);
    expect(sample(after, 'wallet_dead_lettered_total')).toBeUndefined();
  });

  it('is served by scripts/worker.ts on WALLET_METRICS_PORT, which still exits 0 on SIGTERM', async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const config = testConfig();
    const wallet = await createWallet({ config, logger: createLogger('silent') });
    cleanups.defer(() => wallet.close());
    const port = await findFreePort();
    const worker = runScript(
      'scripts/worker.ts',
      envFor(wallet, {
        WALLET_METRICS_PORT: String(port),
        WALLET_READY_PROBE_SECONDS: '1',
        WALLET_WAIT_TIME_SECONDS: '1',
        LOG_LEVEL: 'info',
      }),
    );
    cleanups.defer(() => void worker.child.kill('SIGKILL'));
    const url = `http://127.0.0.1:${port}`;
    await eventually('the worker to be ready', async () =>
      (await status(`${url}/readyz`).catch(() => undefined))?.code === 200 ? true : undefined,
    );
    expect((await status(`${url}/healthz`)).code).toBe(200);
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('wallet_commands_decided_total');
    worker.child.kill('SIGTERM');
    await expect(worker.exited).resolves.toBe(0);
  });
});
