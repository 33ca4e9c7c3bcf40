import { describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/net/ports.js';
import { startApi } from '../support/api-server.js';
import { runScript } from '../support/child-process.js';
import { call } from '../support/http-client.js';
import { TEST_JWT_SECRET } from '../support/tokens.js';
import { createTestWallet, testEnv } from '../support/wallet.js';

describe('where the gateway listens', () => {
  it('refuses to start on an address beyond loopback without authentication, naming the variables', async () => {
    const port = await findFreePort();
    const child = runScript('scripts/api.ts', { ...testEnv(), WALLET_API_HOST: '0.0.0.0', WALLET_API_PORT: String(port) });
    expect(await child.exited).toBe(1);
    expect(child.output()).toContain('refusing to listen on 0.0.0.0 without authentication');
    expect(child.output()).toContain('WALLET_API_JWT_SECRET');
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  it('listens beyond loopback when tokens are required, and then asks for one', async () => {
    const port = await findFreePort();
    const child = runScript('scripts/api.ts', {
      ...testEnv(),
      WALLET_API_HOST: '0.0.0.0',
      WALLET_API_PORT: String(port),
      WALLET_API_JWT_SECRET: TEST_JWT_SECRET,
    });
    try {
      await child.waitForOutput(/wallet API on .*bearer tokens required/);
      expect((await call(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      expect((await call(`http://127.0.0.1:${port}/users/anyone/balance`)).status).toBe(401);
    } finally {
      child.child.kill('SIGTERM');
      await child.exited;
    }
  });
});

describe('the health answer', () => {
  it('is cached: a burst of anonymous requests makes one call to each store, not one per request', async () => {
    const wallet = await createTestWallet();
    const calls: string[] = [];
    for (const client of [wallet.clients.sqs, wallet.clients.ddb] as { middlewareStack: { add: (...args: unknown[]) => void } }[]) {
      client.middlewareStack.add(
        (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
          if (context.commandName === 'GetQueueAttributesCommand' || context.commandName === 'DescribeTableCommand')
            calls.push(context.commandName);
          return next(args);
        },
        { step: 'initialize' },
      );
    }
    const api = await startApi(wallet);
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, () => call(`${api.baseUrl}/health`)));
      expect(answers.every((answer) => answer.status === 200)).toBe(true);
      for (let i = 0; i < 20; i += 1) expect((await call(`${api.baseUrl}/health`)).status).toBe(200);
      // 70 requests within the cache's 5 s: one probe per store (two if the window turned over on a slow machine).
      expect(calls.filter((name) => name === 'GetQueueAttributesCommand').length).toBeLessThanOrEqual(2);
      expect(calls.filter((name) => name === 'DescribeTableCommand').length).toBeLessThanOrEqual(2);
    } finally {
      await api.close();
      await wallet.close();
    }
  });
});
