import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/clients.js';
import { findFreePort } from '../../src/net/ports.js';
import { getCurrentBalance } from '../../src/query/balance.js';
import type { Wallet } from '../../src/wallet.js';
import { getJson, postJson, startApi, type RunningApi } from '../support/api-server.js';
import { eventually } from '../support/eventually.js';
import { createTestWallet, createUser, uniqueKey } from '../support/wallet.js';

describe('HTTP gateway', () => {
  let wallet: Wallet;
  let api: RunningApi;
  let userId: string;

  beforeAll(async () => {
    wallet = await createTestWallet({ WALLET_API_DOCS: 'true' });
    wallet.startWorker({ pollers: 1 });
    api = await startApi(wallet);
    userId = await createUser(wallet, '100.00');
  });

  afterAll(async () => {
    await api?.close();
    await wallet?.close();
  });

  it('enqueues a valid command and answers 202 with its key and message id', async () => {
    const idempotentKey = uniqueKey('http-202');
    const { status, body } = await postJson(`${api.baseUrl}/transactions`, { idempotentKey, userId, amount: '5.00', type: 'credit' });
    expect(status).toBe(202);
    expect(body).toEqual({ idempotentKey, messageId: expect.any(String) });
    await eventually('the queued credit to be applied', async () => {
      const history = await wallet.listTransactions({ userId });
      return history.items.some((entry) => entry.idempotentKey === idempotentKey) ? true : undefined;
    });
  });

  it('waits for the reply with wait=true and returns it with 200', async () => {
    const idempotentKey = uniqueKey('http-wait');
    const { status, body } = await postJson(`${api.baseUrl}/transactions?wait=true&timeoutMs=20000`, {
      idempotentKey,
      userId,
      amount: '0.10',
      type: 'debit',
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      idempotentKey,
      userId,
      status: 'applied',
      replayed: false,
      newBalance: expect.stringMatching(/^\d+\.\d{2}$/),
    });
  });

  it('refuses an invalid command with 400 and lists the issues', async () => {
    const { status, body } = await postJson(`${api.baseUrl}/transactions`, {
      idempotentKey: 'k',
      userId,
      amount: '1e2',
      type: 'credit',
      extra: 1,
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_request');
    expect(body.issues.map((issue: { path: string }) => issue.path)).toEqual(expect.arrayContaining(['amount']));
    expect(body.issues.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses malformed JSON with 400', async () => {
    const { status, body } = await postJson(`${api.baseUrl}/transactions`, '{"idempotentKey":');
    expect(status).toBe(400);
    expect(body.error).toBe('bad_request');
  });

  it('refuses bad query parameters with 400', async () => {
    const { status, body } = await postJson(`${api.baseUrl}/transactions?wait=maybe`, {
      idempotentKey: uniqueKey(),
      userId,
      amount: '1',
      type: 'credit',
    });
    expect(status).toBe(400);
    expect(body.issues[0].path).toBe('query.wait');
  });

  it('returns a user balance and 404 for an unknown user', async () => {
    const balanceUser = await createUser(wallet, '42.50');
    expect(await getJson(`${api.baseUrl}/users/${balanceUser}/balance`)).toEqual({
      status: 200,
      body: { userId: balanceUser, currency: 'USD', status: 'active', balance: '42.50', available: '42.50', held: '0.00' },
    });
    const missing = await getJson(`${api.baseUrl}/users/nobody-${uniqueKey()}/balance`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('user_not_found');
  });

  it('pages a user history newest first with a cursor', async () => {
    const historyUser = await createUser(wallet, '10.00');
    for (const amount of ['1.00', '2.00', '3.00']) {
      await wallet.transact({ idempotentKey: uniqueKey('hist'), userId: historyUser, amount, type: 'credit' });
    }
    const first = await getJson(`${api.baseUrl}/users/${historyUser}/transactions?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((entry: { amount: string }) => entry.amount)).toEqual(['3.00', '2.00']);
    const cursor = encodeURIComponent(first.body.nextCursor);
    const second = await getJson(`${api.baseUrl}/users/${historyUser}/transactions?limit=2&cursor=${cursor}`);
    expect(second.body.items.map((entry: { amount: string }) => entry.amount)).toEqual(['1.00']);
    expect((await getJson(`${api.baseUrl}/users/${historyUser}/transactions?limit=0`)).status).toBe(400);
    expect((await getJson(`${api.baseUrl}/users/${historyUser}/transactions?cursor=not-ours`)).body.error).toBe('invalid_request');
  });

  it('reports both stores healthy', async () => {
    expect(await getJson(`${api.baseUrl}/health`)).toEqual({ status: 200, body: { status: 'ok', checks: { sqs: 'ok', dynamodb: 'ok' } } });
  });

  it('serves the OpenAPI document generated from the schemas', async () => {
    const { status, body } = await getJson(`${api.baseUrl}/docs/json`);
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.0.3');
    expect(Object.keys(body.paths)).toEqual([
      '/transactions',
      '/users/{userId}/balance',
      '/users/{userId}/transactions',
      '/users/{userId}/statement',
      '/health',
    ]);
    expect(body.components.schemas.Command.oneOf).toHaveLength(11);
    expect(body.components.schemas.OpenCommand.required).toEqual(['idempotentKey', 'userId', 'type', 'currency']);
    expect(body.components.schemas.CloseCommand.example).toMatchObject({ type: 'close' });
    expect(body.components.schemas.CreditCommand.required).toEqual(['idempotentKey', 'userId', 'type', 'amount']);
    expect(body.components.schemas.TransferCommand.required).toEqual(['idempotentKey', 'userId', 'type', 'amount', 'toUserId']);
    expect(body.components.schemas.CaptureCommand.example).toMatchObject({ type: 'capture', holdKey: expect.any(String) });
  });
});

describe('HTTP gateway without a worker or stores', () => {
  it('answers 504 when no reply arrives in time', async () => {
    const wallet = await createTestWallet();
    const api = await startApi(wallet);
    try {
      const command = { idempotentKey: uniqueKey('timeout'), userId: 'anyone', amount: '1.00', type: 'credit' };
      const { status, body } = await postJson(`${api.baseUrl}/transactions?wait=true&timeoutMs=300`, command);
      expect(status).toBe(504);
      expect(body.error).toBe('reply_timeout');
    } finally {
      await api.close();
      await wallet.close();
    }
  });

  it('answers 503 on health and reads when SQS and DynamoDB cannot be reached', async () => {
    const wallet = await createTestWallet();
    // Real clients aimed at a port nothing listens on: the stores are genuinely unreachable.
    const closedPort = await findFreePort();
    const deadEndpoint = `http://127.0.0.1:${closedPort}`;
    const clients = createAwsClients({ ...wallet.config, endpoints: { sqs: deadEndpoint, dynamodb: deadEndpoint } });
    const api = await startApi({
      ...wallet,
      clients,
      getCurrentBalance: (query) => getCurrentBalance({ ddb: clients.ddb, config: wallet.config }, query),
    });
    try {
      expect(await getJson(`${api.baseUrl}/health`)).toEqual({
        status: 503,
        body: { status: 'unavailable', checks: { sqs: 'unavailable', dynamodb: 'unavailable' } },
      });
      const balance = await getJson(`${api.baseUrl}/users/someone/balance`);
      expect(balance.status).toBe(503);
      expect(balance.body.error).toBe('store_unavailable');
    } finally {
      await api.close();
      clients.destroy();
      await wallet.close();
    }
  });
});
