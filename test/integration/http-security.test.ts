import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWallet, type Wallet } from '../../src/wallet.js';
import { queueDepth } from '../../scripts/chaos/evidence.js';
import { startApi, type RunningApi } from '../support/api-server.js';
import { eventually } from '../support/eventually.js';
import { call } from '../support/http-client.js';
import { capturingLogger } from '../support/log-capture.js';
import { hs256Token, TEST_JWT_SECRET, unsignedToken } from '../support/tokens.js';
import { createTestWallet, createUser, testConfig, uniqueKey } from '../support/wallet.js';

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'wallet-api';
const SECURED = { WALLET_API_JWT_SECRET: TEST_JWT_SECRET, WALLET_API_JWT_ISSUER: ISSUER, WALLET_API_JWT_AUDIENCE: AUDIENCE };

const userToken = (sub: string, extra: Parameters<typeof hs256Token>[0] = {}) =>
  hs256Token({ sub, issuer: ISSUER, audience: AUDIENCE, ...extra });
const adminToken = () => hs256Token({ sub: 'orders-service', scope: 'wallet:read wallet:admin', issuer: ISSUER, audience: AUDIENCE });

/** A request with a Host header of our choosing (fetch does not let a caller set Host). */
function withHost(url: string, host: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers: { host } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('the gateway with HS256 tokens', () => {
  let wallet: Wallet;
  let api: RunningApi;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    wallet = await createTestWallet(SECURED);
    wallet.startWorker({ pollers: 1 });
    api = await startApi(wallet);
    alice = await createUser(wallet, '100.00');
    bob = await createUser(wallet, '100.00');
  });
  afterAll(async () => {
    await api?.close();
    await wallet?.close();
  });

  it('answers 401 without a token, with a WWW-Authenticate challenge and the documented body', async () => {
    const response = await call(`${api.baseUrl}/users/${alice}/balance`);
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: 'unauthorized', message: expect.any(String) });
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(
      (
        await call(`${api.baseUrl}/transactions`, {
          method: 'POST',
          body: { idempotentKey: uniqueKey(), userId: alice, amount: '1', type: 'credit' },
        })
      ).status,
    ).toBe(401);
  });

  it('answers 401 for an expired token, a token not yet valid, an unsigned (alg: none) token, another algorithm, a foreign issuer or audience and a token signed with another key', async () => {
    const url = `${api.baseUrl}/users/${alice}/balance`;
    const refused = [
      await userToken(alice, { expiresIn: -120 }),
      await userToken(alice, { notBefore: 600 }),
      unsignedToken({ sub: alice, scope: 'wallet:admin', iss: ISSUER, aud: AUDIENCE }),
      await userToken(alice, { secret: 'another-secret-of-at-least-32-characters!!' }),
      await userToken(alice, { issuer: 'https://someone-else.test' }),
      await userToken(alice, { audience: 'another-api' }),
      // An algorithm the gateway was not configured for, though signed with the right secret.
      await new SignJWT({})
        .setProtectedHeader({ alg: 'HS384' })
        .setSubject(alice)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(TEST_JWT_SECRET)),
      'not-a-jwt',
    ];
    for (const token of refused) {
      const response = await call(url, { token });
      expect(response.status, token).toBe(401);
      expect(response.body.error).toBe('unauthorized');
    }
    expect((await call(url, { token: await userToken(alice) })).status).toBe(200);
  });

  it('lets a user token read its own balance and history, and answers 404 for another user exactly as for an unknown one', async () => {
    const token = await userToken(alice);
    expect(await call(`${api.baseUrl}/users/${alice}/balance`, { token })).toMatchObject({ status: 200, body: { userId: alice } });
    const other = await call(`${api.baseUrl}/users/${bob}/balance`, { token });
    const unknownId = `nobody-${uniqueKey()}`;
    const unknown = await call(`${api.baseUrl}/users/${unknownId}/balance`, { token });
    expect(other.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect({ ...other.body, message: other.body.message.replace(bob, 'ID') }).toEqual({
      ...unknown.body,
      message: unknown.body.message.replace(unknownId, 'ID'),
    });
    const otherHistory = await call(`${api.baseUrl}/users/${bob}/transactions`, { token });
    expect(otherHistory).toMatchObject({ status: 404, body: { error: 'user_not_found' } });
  });

  it('refuses a credit (and any type but debit and transfer) to a user token with 403, even for its own account', async () => {
    const token = await userToken(alice);
    for (const type of ['credit', 'hold', 'reverse', 'some-future-type']) {
      const response = await call(`${api.baseUrl}/transactions`, {
        method: 'POST',
        token,
        body: { idempotentKey: uniqueKey(), userId: alice, amount: '5.00', type },
      });
      expect(response.status, type).toBe(403);
      expect(response.body.error).toBe('forbidden');
    }
    await expect(wallet.getCurrentBalance({ userId: alice })).resolves.toMatchObject({ balance: '100.00' });
  });

  it('refuses the wallet commands (open, freeze, unfreeze, close) to a user token with 403: they need wallet:admin', async () => {
    const token = await userToken(alice);
    for (const body of [
      { type: 'open', currency: 'EUR', userId: `new-${uniqueKey()}` },
      { type: 'freeze', userId: alice },
      { type: 'unfreeze', userId: alice },
      { type: 'close', userId: alice },
    ]) {
      const response = await call(`${api.baseUrl}/transactions`, { method: 'POST', token, body: { idempotentKey: uniqueKey(), ...body } });
      expect(response, body.type).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    }
    await expect(wallet.getCurrentBalance({ userId: alice })).resolves.toMatchObject({ status: 'active' });
  });

  it('lets a user token debit its own account only; another user’s debit answers 404', async () => {
    const token = await userToken(bob);
    const key = uniqueKey('own-debit');
    const own = await call(`${api.baseUrl}/transactions?wait=true`, {
      method: 'POST',
      token,
      body: { idempotentKey: key, userId: bob, amount: '1.00', type: 'debit' },
    });
    expect(own).toMatchObject({ status: 200, body: { idempotentKey: key, userId: bob, status: 'applied', newBalance: '99.00' } });
    const theft = await call(`${api.baseUrl}/transactions?wait=true`, {
      method: 'POST',
      token,
      body: { idempotentKey: uniqueKey(), userId: alice, amount: '1.00', type: 'debit' },
    });
    expect(theft).toMatchObject({ status: 404, body: { error: 'user_not_found' } });
  });

  it('lets an admin token act for any user', async () => {
    const token = await adminToken();
    const key = uniqueKey('admin-credit');
    const credit = await call(`${api.baseUrl}/transactions?wait=true`, {
      method: 'POST',
      token,
      body: { idempotentKey: key, userId: alice, amount: '10.00', type: 'credit' },
    });
    expect(credit).toMatchObject({ status: 200, body: { idempotentKey: key, status: 'applied' } });
    expect((await call(`${api.baseUrl}/users/${bob}/balance`, { token })).status).toBe(200);
  });

  it('keeps keys apart per user: the same key from two users and a service is three commands, each answered with the key it sent', async () => {
    const carol = await createUser(wallet, '50.00');
    const dave = await createUser(wallet, '50.00');
    const key = uniqueKey('predictable-order-1');
    // A service uses the key first; then two users send it too. Nobody can squat anyone's key.
    const service = await call(`${api.baseUrl}/transactions?wait=true`, {
      method: 'POST',
      token: await adminToken(),
      body: { idempotentKey: key, userId: carol, amount: '5.00', type: 'credit' },
    });
    const fromCarol = await call(`${api.baseUrl}/transactions?wait=true`, {
      method: 'POST',
      token: await userToken(carol),
      body: { idempotentKey: key, userId: carol, amount: '1.00', type: 'debit' },
    });
    const fromDave = await call(`${api.baseUrl}/transactions?wait=true`, {
      method: 'POST',
      token: await userToken(dave),
      body: { idempotentKey: key, userId: dave, amount: '2.00', type: 'debit' },
    });
    expect(service.body).toMatchObject({ idempotentKey: key, status: 'applied', newBalance: '55.00' });
    expect(fromCarol.body).toMatchObject({ idempotentKey: key, status: 'applied', newBalance: '54.00' });
    expect(fromDave.body).toMatchObject({ idempotentKey: key, status: 'applied', newBalance: '48.00' });
    // A retry by the same user is the same command (replayed), not a new one.
    const retry = await call(`${api.baseUrl}/transactions?wait=true`, {
      method: 'POST',
      token: await userToken(dave),
      body: { idempotentKey: key, userId: dave, amount: '2.00', type: 'debit' },
    });
    expect(retry.body).toMatchObject({ idempotentKey: key, status: 'applied', newBalance: '48.00', replayed: true });
    // Carol's own history shows her keys as she sent them.
    const history = await call(`${api.baseUrl}/users/${carol}/transactions`, { token: await userToken(carol) });
    expect(history.body.items.map((item: { idempotentKey: string }) => item.idempotentKey)).toEqual([key, key]);
  });

  it('refuses a body over 16 KiB with 413 and a size error, before reading it as a command', async () => {
    const token = await adminToken();
    for (const size of [17 * 1024, 300 * 1024]) {
      const body = JSON.stringify({ idempotentKey: uniqueKey(), userId: alice, amount: '1.00', type: 'credit', pad: 'x'.repeat(size) });
      const response = await call(`${api.baseUrl}/transactions`, { method: 'POST', token, body });
      expect(response.status).toBe(413);
      expect(response.body).toEqual({ error: 'payload_too_large', message: expect.any(String) });
    }
  });

  it('sends security headers', async () => {
    const { headers } = await call(`${api.baseUrl}/health`);
    expect(headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(headers.get('strict-transport-security')).toContain('max-age=');
  });

  it('answers any Host name when tokens are required (a web page has no token to send)', async () => {
    expect((await withHost(`${api.baseUrl}/health`, 'wallet.example.com')).status).toBe(200);
  });
});

describe('the gateway’s limits', () => {
  let wallet: Wallet;
  let api: RunningApi;

  beforeAll(async () => {
    // No worker: a ?wait=true request waits until its timeout, holding its waiter slot.
    wallet = await createTestWallet({ ...SECURED, WALLET_API_RATE_LIMIT: '5', WALLET_API_MAX_WAITERS: '1' });
    api = await startApi(wallet);
  });
  afterAll(async () => {
    await api?.close();
    await wallet?.close();
  });

  it('rate-limits each principal: 429 with Retry-After past its budget, while another principal goes on', async () => {
    const erin = await createUser(wallet, '1.00');
    const frank = await createUser(wallet, '1.00');
    const erinToken = await userToken(erin);
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 6; i += 1) {
      const response = await call(`${api.baseUrl}/users/${erin}/balance`, { token: erinToken });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(limited?.body).toEqual({ error: 'rate_limited', message: expect.any(String) });
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(`${api.baseUrl}/users/${frank}/balance`, { token: await userToken(frank) })).status).toBe(200);
  });

  it('caps concurrent waiters: past the cap a wait is refused with 503 at once', async () => {
    const token = await adminToken();
    const command = () => ({ idempotentKey: uniqueKey('wait'), userId: 'anyone', amount: '1.00', type: 'credit' });
    const first = call(`${api.baseUrl}/transactions?wait=true&timeoutMs=3000`, { method: 'POST', token, body: command() });
    // The first holds the only slot until its timeout: its command on the queue shows it is waiting.
    await eventually('the first command enqueued', async () =>
      (await queueDepth(wallet.clients.sqs, wallet.queueUrls.command)) >= 1 ? true : undefined,
    );
    const second = await call(`${api.baseUrl}/transactions?wait=true&timeoutMs=3000`, { method: 'POST', token, body: command() });
    expect(second).toMatchObject({ status: 503, body: { error: 'too_many_waiters' } });
    // Sending without waiting needs no slot.
    expect((await call(`${api.baseUrl}/transactions`, { method: 'POST', token, body: command() })).status).toBe(202);
    expect((await first).status).toBe(504);
  });
});

describe('the gateway with RS256 / ES256 keys from a JWKS file', () => {
  let wallet: Wallet;
  let api: RunningApi;
  let directory: string;
  let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
  let ec: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    directory = await mkdtemp(join(tmpdir(), 'wallet-jwks-'));
    const file = join(directory, 'jwks.json');
    const keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    await writeFile(file, JSON.stringify({ keys }));
    wallet = await createTestWallet({ WALLET_API_JWKS_FILE: file });
    api = await startApi(wallet);
  });
  afterAll(async () => {
    await api?.close();
    await wallet?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  const sign = (alg: string, kid: string, key: Parameters<SignJWT['sign']>[0], claims: Record<string, unknown> = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg, kid }).setExpirationTime('5m').sign(key);

  it('accepts RS256 and ES256 tokens signed by a key of the set, and refuses an HS256 token and alg: none', async () => {
    const userId = await createUser(wallet, '3.00');
    const url = `${api.baseUrl}/users/${userId}/balance`;
    expect((await call(url, { token: await sign('RS256', 'rsa-1', rsa.privateKey, { sub: userId }) })).status).toBe(200);
    expect((await call(url, { token: await sign('ES256', 'ec-1', ec.privateKey, { sub: userId }) })).status).toBe(200);
    // An HS256 token "signed" with the public key's text is the classic algorithm confusion: refused.
    const confused = await sign('HS256', 'rsa-1', new TextEncoder().encode(JSON.stringify(await exportJWK(rsa.publicKey))), {
      sub: userId,
      scope: 'wallet:admin',
    });
    expect((await call(url, { token: confused })).status).toBe(401);
    expect((await call(url, { token: unsignedToken({ sub: userId, scope: 'wallet:admin' }) })).status).toBe(401);
    const stranger = await generateKeyPair('RS256');
    expect((await call(url, { token: await sign('RS256', 'rsa-1', stranger.privateKey, { sub: userId }) })).status).toBe(401);
  });
});

describe('the gateway without authentication (loopback only)', () => {
  let wallet: Wallet;
  let api: RunningApi;

  beforeAll(async () => {
    wallet = await createTestWallet();
    api = await startApi(wallet);
  });
  afterAll(async () => {
    await api?.close();
    await wallet?.close();
  });

  it('answers only loopback Host names, so a DNS-rebound web page is refused', async () => {
    const port = new URL(api.baseUrl).port;
    expect((await withHost(`${api.baseUrl}/health`, `127.0.0.1:${port}`)).status).toBe(200);
    expect((await withHost(`${api.baseUrl}/health`, `localhost:${port}`)).status).toBe(200);
    const rebound = await withHost(`${api.baseUrl}/health`, `attacker.example:${port}`);
    expect(rebound).toMatchObject({ status: 403, body: { error: 'forbidden' } });
  });

  it('answers an unknown route with the documented { error, message } body', async () => {
    const response = await call(`${api.baseUrl}/no/such/route`);
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'not_found', message: expect.any(String) });
  });

  it('serves no Swagger UI or OpenAPI document unless WALLET_API_DOCS is on', async () => {
    expect((await call(`${api.baseUrl}/docs`)).status).toBe(404);
    expect((await call(`${api.baseUrl}/docs/json`)).status).toBe(404);
  });

  it('routes user ids up to the 128-character limit, however they are encoded', async () => {
    for (const userId of ['u'.repeat(128), 'é'.repeat(64) + '💶'.repeat(32)]) {
      expect(userId.length).toBeLessThanOrEqual(128);
      const response = await call(`${api.baseUrl}/users/${encodeURIComponent(userId)}/balance`);
      expect(response).toMatchObject({ status: 404, body: { error: 'user_not_found' } });
    }
    const long = 'a'.repeat(128);
    await createUser(wallet, '1.00', long);
    expect(await call(`${api.baseUrl}/users/${long}/balance`)).toMatchObject({ status: 200, body: { userId: long } });
  });

  it('answers 404 for the history of an unknown user, as for its balance', async () => {
    const response = await call(`${api.baseUrl}/users/nobody-${uniqueKey()}/transactions`);
    expect(response).toMatchObject({ status: 404, body: { error: 'user_not_found' } });
  });

  it('gives a full last page of history no cursor to an empty page', async () => {
    const userId = await createUser(wallet, '10.00');
    for (const amount of ['1.00', '2.00', '3.00', '4.00'])
      await wallet.transact({ idempotentKey: uniqueKey('page'), userId, amount, type: 'credit' });
    const first = await call(`${api.baseUrl}/users/${userId}/transactions?limit=2`);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const last = await call(`${api.baseUrl}/users/${userId}/transactions?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(last.body.items.map((item: { amount: string }) => item.amount)).toEqual(['2.00', '1.00']);
    expect(last.body).not.toHaveProperty('nextCursor');
  });

  it('answers a poisoned user item with a generic 500, never the internal message', async () => {
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const userId = `poison-${uniqueKey()}`;
    await wallet.clients.ddb.send(
      new PutCommand({ TableName: wallet.config.tables.users, Item: { userId, balance: 'not money', createdAt: 'x', updatedAt: 'x' } }),
    );
    const response = await call(`${api.baseUrl}/users/${userId}/balance`);
    expect(response).toEqual({ status: 500, body: { error: 'internal_error', message: 'internal error' }, headers: expect.anything() });
  });
});

describe('what the gateway logs', () => {
  it('logs requests by route, without the user ids and cursors in their URLs, and an expected 504 as one warning without a stack', async () => {
    const { logger, lines } = capturingLogger('info');
    const wallet = await createWallet({ config: testConfig(), logger });
    const api = await startApi(wallet);
    try {
      const secretId = `private-person-${uniqueKey()}`;
      await call(`${api.baseUrl}/users/${secretId}/balance`);
      await call(`${api.baseUrl}/users/${secretId}/transactions?cursor=${secretId}`);
      const timeout = await call(`${api.baseUrl}/transactions?wait=true&timeoutMs=200`, {
        method: 'POST',
        body: { idempotentKey: uniqueKey(), userId: secretId, amount: '1.00', type: 'credit' },
      });
      expect(timeout.status).toBe(504);
      const http = lines.filter((line) => line.component === 'http');
      expect(http.some((line) => (line.req as { route?: string } | undefined)?.route === '/users/:userId/balance')).toBe(true);
      expect(JSON.stringify(http)).not.toContain(secretId);
      const notServed = http.filter((line) => line.msg === 'request not served');
      expect(notServed).toEqual([expect.objectContaining({ level: 40, code: 'reply_timeout', status: 504 })]);
      expect(notServed[0]).not.toHaveProperty('err');
      expect(http.filter((line) => line.level === 50)).toEqual([]);
    } finally {
      await api.close();
      await wallet.close();
    }
  });
});

describe('the gateway with keys from a JWKS URL (as Cognito publishes them)', () => {
  it('verifies RS256 tokens against the keys served at the URL, with the issuer checked, and refuses an unknown key id', async () => {
    const pair = await generateKeyPair('RS256');
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'pool-key-1', alg: 'RS256', use: 'sig' }] });
    const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    const issuer = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TEST';
    const wallet = await createTestWallet({ WALLET_API_JWKS_URL: jwksUrl, WALLET_API_JWT_ISSUER: issuer, WALLET_API_JWT_AUDIENCE: 'app' });
    const api = await startApi(wallet);
    try {
      const userId = await createUser(wallet, '7.00');
      const token = (kid: string, iss = issuer) =>
        new SignJWT({ token_use: 'access', client_id: 'app' })
          .setProtectedHeader({ alg: 'RS256', kid })
          .setSubject(userId)
          .setIssuer(iss)
          .setExpirationTime('5m')
          .sign(pair.privateKey);
      const url = `${api.baseUrl}/users/${userId}/balance`;
      expect(await call(url, { token: await token('pool-key-1') })).toMatchObject({ status: 200, body: { balance: '7.00' } });
      expect((await call(url, { token: await token('another-key') })).status).toBe(401);
      expect((await call(url, { token: await token('pool-key-1', 'https://another-pool.test') })).status).toBe(401);
    } finally {
      await api.close();
      await wallet.close();
      server.close();
    }
  });
});
