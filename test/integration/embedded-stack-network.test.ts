import { networkInterfaces } from 'node:os';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startEmbeddedStack } from '../../src/local-stack/embedded-stack.js';
import { PortInUseError } from '../../src/errors.js';
import { findFreePort } from '../../src/net/ports.js';
import { createLogger } from '../../src/logger.js';
import { createWallet, type Wallet } from '../../src/wallet.js';
import { runScript } from '../support/child-process.js';
import { listeningAddresses, tryConnect } from '../support/process-tree.js';
import { createUser } from '../support/wallet.js';

/**
 * The embedded stack on a private pair of ports (not the run's shared stack,
 * which may be LocalStack): who can reach it, and whether an ordinary AWS SDK
 * producer can use the queue URLs it hands out.
 */
let wallet: Wallet;
let ports: { sqs: number; dynamodb: number };
beforeAll(async () => {
  ports = { sqs: await findFreePort(), dynamodb: await findFreePort() };
  const config = loadConfig({ WALLET_EMBEDDED_SQS_PORT: String(ports.sqs), WALLET_EMBEDDED_DYNAMODB_PORT: String(ports.dynamodb) });
  wallet = await createWallet({ config, logger: createLogger('warn', 'network-test') });
  wallet.startWorker({ pollers: 1 });
});
afterAll(async () => {
  await wallet?.close();
});

/** This machine's addresses other machines could use (link-local IPv6 needs a zone; left out). */
function externalAddresses(family?: 'IPv4'): string[] {
  return Object.values(networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .filter((address) => !address.internal && !address.address.startsWith('fe80:') && (!family || address.family === family))
    .map((address) => address.address);
}

const LOOPBACK = ['127.0.0.1', '::ffff:127.0.0.1'];
const WILDCARD = ['0.0.0.0', '::'];

describe('the embedded stack on the network', () => {
  it('listens on 127.0.0.1 only by default: another address of this machine is refused', async () => {
    for (const port of [ports.sqs, ports.dynamodb]) {
      const bound = listeningAddresses(port);
      expect(bound.length, `sockets listening on ${port}`).toBeGreaterThan(0);
      for (const address of bound) expect(LOOPBACK, `port ${port} bound to ${address}`).toContain(address);
      expect(await tryConnect('127.0.0.1', port)).toBe('connected');
      for (const address of externalAddresses()) expect(await tryConnect(address, port), `${address}:${port}`).toBe('ECONNREFUSED');
    }
  });

  it('opens up to every interface with WALLET_EMBEDDED_BIND_HOST=0.0.0.0', async () => {
    const open = { sqs: await findFreePort(), dynamodb: await findFreePort() };
    const config = loadConfig({
      WALLET_EMBEDDED_SQS_PORT: String(open.sqs),
      WALLET_EMBEDDED_DYNAMODB_PORT: String(open.dynamodb),
      WALLET_EMBEDDED_BIND_HOST: '0.0.0.0',
    });
    const stack = await startEmbeddedStack(config, createLogger('warn', 'network-test'));
    try {
      for (const port of [open.sqs, open.dynamodb]) {
        for (const address of listeningAddresses(port)) expect(WILDCARD, `port ${port} bound to ${address}`).toContain(address);
        for (const address of externalAddresses('IPv4')) expect(await tryConnect(address, port), `${address}:${port}`).toBe('connected');
      }
    } finally {
      await stack.stop();
    }
  });

  it('hands out queue URLs an SQSClient with default settings and only the endpoint variables can use', async () => {
    expect(new URL(wallet.queueUrls.command).host).toBe(`127.0.0.1:${ports.sqs}`);
    const userId = await createUser(wallet, '5.00');
    // scripts/examples/producer.ts is the example in docs/messages.md: `new SQSClient({})`, configured by the environment only.
    const producer = runScript(
      'scripts/examples/producer.ts',
      {
        AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${ports.sqs}`,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_ENDPOINT_URL: '',
        AWS_ENDPOINT_URL_DYNAMODB: '',
      },
      [userId],
    );
    expect(await producer.exited, producer.output()).toBe(0);
    expect(JSON.parse(producer.output())).toMatchObject({ userId, status: 'applied', newBalance: '15.00' });
  });

  it('is shared by createWallet() with no options, which leaves it running when it closes', async () => {
    const config = loadConfig({ WALLET_EMBEDDED_SQS_PORT: String(ports.sqs), WALLET_EMBEDDED_DYNAMODB_PORT: String(ports.dynamodb) });
    const second = await createWallet({ config, logger: createLogger('warn', 'network-test') });
    expect(second.startedEmbeddedStack).toBe(false);
    expect(second.config.endpoints).toEqual(wallet.config.endpoints);
    const userId = await createUser(second, '3.00');
    await second.close();
    await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '3.00' });
  });

  it('makes createWallet({ shareRunningStack: false }) fail with a PortInUseError that names the way out', async () => {
    const config = loadConfig({ WALLET_EMBEDDED_SQS_PORT: String(ports.sqs), WALLET_EMBEDDED_DYNAMODB_PORT: String(ports.dynamodb) });
    const error = await createWallet({ config, shareRunningStack: false, logger: createLogger('silent') }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as Error).message).toMatch(/WALLET_EMBEDDED_SQS_PORT.*shareRunningStack/);
  });

  it('still accepts the queue URLs fauxqs used to hand out (sqs.<region>.localhost)', async () => {
    const legacy = wallet.queueUrls.command.replace('127.0.0.1', 'sqs.us-east-1.localhost');
    const userId = await createUser(wallet, '1.00');
    const body = JSON.stringify({ idempotentKey: `legacy-${userId}`, userId, amount: '1', type: 'credit' });
    await wallet.clients.sqs.send(new SendMessageCommand({ QueueUrl: legacy, MessageBody: body }));
    await expect.poll(async () => (await wallet.getCurrentBalance({ userId })).balance, { timeout: 20_000, interval: 200 }).toBe('2.00');
  });
});
