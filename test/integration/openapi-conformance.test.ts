import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/http/openapi.js';
import type { Balance } from '../../src/query/balance.js';
import type { Wallet } from '../../src/wallet.js';
import { startApi, type RunningApi } from '../support/api-server.js';
import { call } from '../support/http-client.js';
import { takeViolations } from '../support/openapi-violations.js';
import { createTestWallet, createUser, uniqueKey } from '../support/wallet.js';

/**
 * The gateway keeps its OpenAPI document: every response of every HTTP test
 * is held to it (test/support/api-server.ts); here, the answers no other
 * HTTP test reads (history entries of every command type, both legs of a
 * transfer and of its reversal, balances with money held), and a gateway
 * that breaks the document, to show that the check can fail.
 */
describe('the OpenAPI document and the gateway', () => {
  let wallet: Wallet;
  let api: RunningApi;

  beforeAll(async () => {
    wallet = await createTestWallet({ WALLET_API_DOCS: 'true' });
    wallet.startWorker({ pollers: 1 });
    api = await startApi(wallet);
  });
  afterAll(async () => {
    await api?.close();
    await wallet?.close();
  });

  const send = async (command: Record<string, unknown>) => {
    const response = await call(`${api.baseUrl}/transactions?wait=true&timeoutMs=20000`, {
      method: 'POST',
      body: { idempotentKey: uniqueKey(String(command.type)), ...command },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };

  it('serves at /docs/json the document built from the schemas', async () => {
    const served = await call(`${api.baseUrl}/docs/json`);
    expect(served.status).toBe(200);
    expect(served.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  it('describes the replies, history entries, balances and statements of every money command, applied and rejected', async () => {
    const payer = await createUser(wallet, '100.00');
    const payee = await createUser(wallet, '0.00');
    const from = new Date(Date.now() - 60_000).toISOString();
    const debit = await send({ userId: payer, type: 'debit', amount: '10.00' });
    const transfer = await send({ userId: payer, type: 'transfer', amount: '5.00', toUserId: payee });
    const hold = await send({ userId: payer, type: 'hold', amount: '20.00', expiresInSeconds: 3600 });
    await send({ userId: payer, type: 'capture', holdKey: hold.idempotentKey, amount: '5.00' });
    const open = await send({ userId: payer, type: 'hold', amount: '7.00' });
    const released = await send({ userId: payer, type: 'hold', amount: '1.00' });
    await send({ userId: payer, type: 'release', holdKey: released.idempotentKey });
    await send({ userId: payer, type: 'reverse', originalKey: debit.idempotentKey, amount: '2.00' });
    await send({ userId: payer, type: 'reverse', originalKey: transfer.idempotentKey });
    await send({ userId: payer, type: 'credit', amount: '1.00' });
    expect(await send({ userId: payer, type: 'debit', amount: '1000.00' })).toMatchObject({
      status: 'rejected',
      reason: 'insufficient_funds',
    });
    expect(await send({ userId: payer, type: 'capture', holdKey: uniqueKey('no-such-hold') })).toMatchObject({
      status: 'rejected',
      reason: 'hold_not_found',
    });
    expect(open.status).toBe('applied');

    const payerHistory = await call(`${api.baseUrl}/users/${payer}/transactions?limit=100`);
    expect(new Set(payerHistory.body.items.map((entry: { type: string }) => entry.type))).toEqual(
      new Set(['debit', 'transfer', 'hold', 'capture', 'release', 'reverse', 'credit']),
    );
    const payeeHistory = await call(`${api.baseUrl}/users/${payee}/transactions`);
    expect(payeeHistory.body.items.map((entry: { type: string }) => entry.type).sort()).toEqual(['reverse', 'transfer']);
    const balance = await call(`${api.baseUrl}/users/${payer}/balance`);
    expect(balance.body).toMatchObject({ held: '7.00' });
    const to = new Date(Date.now() + 1_000).toISOString();
    expect((await call(`${api.baseUrl}/users/${payer}/balance?at=${encodeURIComponent(to)}`)).status).toBe(200);
    expect(
      (await call(`${api.baseUrl}/users/${payer}/statement?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)).status,
    ).toBe(200);
    const csv = await fetch(`${api.baseUrl}/users/${payee}/statement?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, {
      headers: { accept: 'text/csv' },
    });
    expect([csv.status, (await csv.text()).trim().split('\r\n').length]).toEqual([200, 5]);
    expect(takeViolations()).toEqual([]);
  });

  it('describes the replies, history entries and balances of the wallet commands, in a currency of another exponent', async () => {
    const userId = `wallet-${uniqueKey()}`;
    const from = new Date(Date.now() - 1_000).toISOString();
    await send({ userId, type: 'open', currency: 'JPY', metadata: { customer: 'c-981' } });
    expect(await send({ userId, type: 'open', currency: 'JPY' })).toMatchObject({ status: 'rejected', reason: 'wallet_exists' });
    await send({ userId, type: 'credit', amount: '1000', currency: 'JPY' });
    await send({ userId, type: 'freeze', note: 'case 77: under review' });
    expect((await call(`${api.baseUrl}/users/${userId}/balance`)).body).toMatchObject({
      currency: 'JPY',
      status: 'frozen',
      balance: '1000',
    });
    await send({ userId, type: 'unfreeze' });
    await send({ userId, type: 'debit', amount: '1000' });
    await send({ userId, type: 'close', note: 'customer left' });
    const history = await call(`${api.baseUrl}/users/${userId}/transactions`);
    expect(history.body.items.map((entry: { type: string }) => entry.type)).toEqual([
      'close',
      'debit',
      'unfreeze',
      'freeze',
      'credit',
      'open',
      'open',
    ]);
    expect((await call(`${api.baseUrl}/users/${userId}/balance`)).body).toMatchObject({ status: 'closed', balance: '0' });
    const to = new Date(Date.now() + 1_000).toISOString();
    const statement = await call(`${api.baseUrl}/users/${userId}/statement?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(statement.body).toMatchObject({ currency: 'JPY', openingBalance: '0', totalIn: '1000', totalOut: '1000', closingBalance: '0' });
    expect((await call(`${api.baseUrl}/users/${userId}/balance?at=${encodeURIComponent(to)}`)).body).toMatchObject({
      currency: 'JPY',
      balance: '0',
    });
    expect(takeViolations()).toEqual([]);
  });

  it('describes the error bodies: invalid, unreadable, unknown, too large and wrongly typed requests', async () => {
    expect((await call(`${api.baseUrl}/transactions`, { method: 'POST', body: { type: 'credit' } })).status).toBe(400);
    expect((await call(`${api.baseUrl}/transactions`, { method: 'POST', body: '{"idempotentKey":' })).status).toBe(400);
    expect((await call(`${api.baseUrl}/transactions`, { method: 'POST', body: 'x'.repeat(17 * 1024) })).status).toBe(413);
    expect(
      (await call(`${api.baseUrl}/transactions`, { method: 'POST', body: '<credit/>', headers: { 'content-type': 'application/xml' } }))
        .status,
    ).toBe(415);
    expect((await call(`${api.baseUrl}/users/nobody-${uniqueKey()}/transactions`)).status).toBe(404);
    expect((await call(`${api.baseUrl}/users/someone/statement?from=yesterday`)).status).toBe(400);
    expect(takeViolations()).toEqual([]);
  });

  it('fails a response that breaks the document', async () => {
    const userId = await createUser(wallet, '3.00');
    // A gateway whose balance grew a field the schema does not have, and lost one it requires.
    const drifted = await startApi({
      ...wallet,
      getCurrentBalance: async (query) => {
        const { held: _held, ...rest } = await wallet.getCurrentBalance(query);
        return { ...rest, overdraft: '0.00' } as unknown as Balance;
      },
    });
    try {
      expect((await call(`${drifted.baseUrl}/users/${userId}/balance`)).status).toBe(200);
      const violations = takeViolations();
      expect(violations.join('\n')).toContain(`GET /users/${userId}/balance → 200`);
      expect(violations.join('\n')).toContain('"additionalProperty":"overdraft"');
      expect(violations.join('\n')).toContain('"missingProperty":"held"');
    } finally {
      await drifted.close();
    }
  });

  it('fails a response from a gateway in another process that breaks the document, as it arrives', async () => {
    // Stands in for a gateway outside this process (scripts/api.ts): only the client sees its answers.
    const server = createServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ userId: 'u', balance: '1.00' })),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect((await call(`http://127.0.0.1:${port}/users/u/balance`)).status).toBe(200);
      expect(takeViolations().join('\n')).toContain('GET /users/u/balance → 200: (body) must have required property');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
