import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet } from '../../src/wallet.js';
import { startApi, type RunningApi } from '../support/api-server.js';
import { call } from '../support/http-client.js';
import { hs256Token, TEST_JWT_SECRET } from '../support/tokens.js';
import { createTestWallet, createUser } from '../support/wallet.js';

/** Issue 23, F4–F7: the gateway's answers to health probes, failed logins and tokens it must not trust. */

const badToken = () => hs256Token({ sub: 'mallory', secret: 'a-guessed-secret-of-at-least-32-characters!' });

describe('health probes and failed authentication (F4, F5)', () => {
  let wallet: Wallet;
  let api: RunningApi;

  beforeAll(async () => {
    wallet = await createTestWallet({
      WALLET_API_JWT_SECRET: TEST_JWT_SECRET,
      WALLET_API_RATE_LIMIT: '3',
      WALLET_API_AUTH_FAILURE_LIMIT: '4',
      WALLET_API_TRUST_PROXY: '127.0.0.1',
    });
    api = await startApi(wallet);
  });
  afterAll(async () => {
    await api?.close();
    await wallet?.close();
  });

  it('never rate-limits /health, however often a load balancer asks from one address', async () => {
    const statuses = [];
    for (let i = 0; i < 8; i += 1)
      statuses.push((await call(`${api.baseUrl}/health`, { headers: { 'x-forwarded-for': '198.51.100.1' } })).status);
    expect(statuses).toEqual(Array(8).fill(200));
  });

  it('answers 429 with Retry-After to a source past its failed-authentication budget, even for a good token, while another source still gets 401', async () => {
    const userId = await createUser(wallet, '1.00');
    const url = `${api.baseUrl}/users/${userId}/balance`;
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 6; i += 1) {
      const response = await call(url, { token: await badToken(), headers: from('203.0.113.7') });
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    expect(limited?.body).toEqual({ error: 'rate_limited', message: expect.any(String) });
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    // The source is locked out: a token that would pass is not even checked (no oracle for a guesser).
    expect((await call(url, { token: await hs256Token({ sub: userId }), headers: from('203.0.113.7') })).status).toBe(429);
    expect((await call(url, { token: await badToken(), headers: from('203.0.113.8') })).status).toBe(401);
    expect((await call(url, { token: await hs256Token({ sub: userId }), headers: from('203.0.113.9') })).status).toBe(200);
  });
});

describe('proxy trust (F4, F5)', () => {
  it('ignores X-Forwarded-For unless the proxy is trusted: a guesser cannot get a fresh budget by changing the header', async () => {
    const wallet = await createTestWallet({ WALLET_API_JWT_SECRET: TEST_JWT_SECRET, WALLET_API_AUTH_FAILURE_LIMIT: '2' });
    const api = await startApi(wallet);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1)
        statuses.push(
          (await call(`${api.baseUrl}/users/anyone/balance`, { token: await badToken(), headers: { 'x-forwarded-for': `192.0.2.${i}` } }))
            .status,
        );
      expect(statuses).toEqual([401, 401, 429, 429]);
    } finally {
      await api.close();
      await wallet.close();
    }
  });
});

describe('tokens (F6)', () => {
  it('refuses a correctly signed token that has no exp', async () => {
    const wallet = await createTestWallet({ WALLET_API_JWT_SECRET: TEST_JWT_SECRET });
    const api = await startApi(wallet);
    try {
      const userId = await createUser(wallet, '1.00');
      const forever = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuedAt()
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));
      const response = await call(`${api.baseUrl}/users/${userId}/balance`, { token: forever });
      expect(response).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
      expect((await call(`${api.baseUrl}/users/${userId}/balance`, { token: await hs256Token({ sub: userId }) })).status).toBe(200);
    } finally {
      await api.close();
      await wallet.close();
    }
  });
});

describe('Cognito access tokens (F7)', () => {
  const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TEST';
  const CLIENT = 'app-client-1';
  let server: Server;
  let pair: Awaited<ReturnType<typeof generateKeyPair>>;
  let wallet: Wallet;
  let api: RunningApi;
  let userId: string;

  beforeAll(async () => {
    pair = await generateKeyPair('RS256');
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'pool-key-1', alg: 'RS256', use: 'sig' }] });
    server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // Plain http is accepted for a loopback key server only (a test's own).
    const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    wallet = await createTestWallet({ WALLET_API_JWKS_URL: jwksUrl, WALLET_API_JWT_ISSUER: ISSUER, WALLET_API_JWT_AUDIENCE: CLIENT });
    api = await startApi(wallet);
    userId = await createUser(wallet, '7.00');
  });
  afterAll(async () => {
    await api?.close();
    await wallet?.close();
    server?.close();
  });

  /** A token as Cognito signs it: access tokens carry client_id and no aud; ID tokens carry aud. */
  const cognitoToken = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'pool-key-1' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(pair.privateKey);

  it('accepts an access token of the configured app client, which has client_id and no aud', async () => {
    const response = await call(`${api.baseUrl}/users/${userId}/balance`, {
      token: await cognitoToken({ token_use: 'access', client_id: CLIENT, scope: 'openid' }),
    });
    expect(response).toMatchObject({ status: 200, body: { balance: '7.00' } });
  });

  it('refuses an ID token, another app client’s access token and a token that says no token_use', async () => {
    const refused = {
      'id token': await cognitoToken({ token_use: 'id', aud: CLIENT }),
      'another client': await cognitoToken({ token_use: 'access', client_id: 'app-client-2' }),
      'no token_use': await cognitoToken({ client_id: CLIENT }),
      'no client_id': await cognitoToken({ token_use: 'access', aud: CLIENT }),
    };
    for (const [what, token] of Object.entries(refused)) {
      expect((await call(`${api.baseUrl}/users/${userId}/balance`, { token })).status, what).toBe(401);
    }
  });
});
