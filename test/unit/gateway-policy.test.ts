import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createAuthenticator, type Principal } from '../../src/http/auth.js';
import { hs256Token, TEST_JWT_SECRET } from '../support/tokens.js';
import {
  authorizeCommand,
  authorizeRead,
  MAX_USER_KEY_LENGTH,
  scopeKey,
  unscopeKey,
  USER_COMMAND_TYPES,
} from '../../src/http/authorization.js';
import { UnsafeBindError } from '../../src/errors.js';
import { allowedHosts, assertSafeBind } from '../../src/http/exposure.js';
import { hostName, isLoopback } from '../../src/net/host-names.js';
import { cached, WaiterGate } from '../../src/http/load-limits.js';

const alice: Principal = { kind: 'user', userId: 'alice', rateKey: 'user:alice' };
const service: Principal = { kind: 'admin', subject: 'orders', rateKey: 'admin:orders' };

describe('what a principal may do', () => {
  it('lets a user token send debit and transfer only, and only for itself', () => {
    expect(Object.keys(USER_COMMAND_TYPES).sort()).toEqual(['debit', 'transfer']);
    expect(() => authorizeCommand(alice, { idempotentKey: 'k', userId: 'alice', type: 'credit', amount: '1' })).toThrow(
      expect.objectContaining({ code: 'forbidden' }),
    );
    expect(() => authorizeCommand(alice, { idempotentKey: 'k', userId: 'bob', type: 'debit', amount: '1' })).toThrow(
      expect.objectContaining({ code: 'user_not_found' }),
    );
    expect(() => authorizeCommand(alice, { idempotentKey: 'k', userId: 'alice', type: 'toString', amount: '1' })).toThrow(
      expect.objectContaining({ code: 'forbidden' }),
    );
    expect(authorizeCommand(alice, { idempotentKey: 'k', userId: 'alice', type: 'transfer', toUserId: 'bob', amount: '1' })).toMatchObject({
      userId: 'alice',
      toUserId: 'bob',
    });
    expect(() => authorizeRead(alice, 'bob')).toThrow(expect.objectContaining({ code: 'user_not_found' }));
    expect(() => authorizeRead(alice, 'alice')).not.toThrow();
  });

  it('lets an admin send anything for anyone, its keys untouched', () => {
    const command = { idempotentKey: 'k', userId: 'bob', type: 'credit', amount: '1' };
    expect(authorizeCommand(service, command)).toBe(command);
    expect(() => authorizeRead(service, 'bob')).not.toThrow();
  });

  it('moves a user’s keys into its own space and back, and refuses keys that would not fit', () => {
    const stored = scopeKey(alice, 'order-1');
    expect(stored).not.toBe('order-1');
    expect(stored).not.toBe(scopeKey({ ...alice, userId: 'bob' }, 'order-1'));
    expect(unscopeKey(alice, stored)).toBe('order-1');
    expect(unscopeKey(alice, 'a-service-key')).toBe('a-service-key');
    expect(scopeKey(alice, 'x'.repeat(MAX_USER_KEY_LENGTH)).length).toBe(255);
    expect(() => scopeKey(alice, 'x'.repeat(MAX_USER_KEY_LENGTH + 1))).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(scopeKey(alice, '')).toBe('');
  });
});

describe('where the gateway may listen and whom it answers', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'example.com', '128.0.0.1']) expect(isLoopback(host), host).toBe(false);
  });

  it('refuses a non-loopback bind without authentication only', () => {
    expect(() => assertSafeBind({ host: '0.0.0.0' }, false)).toThrow(UnsafeBindError);
    expect(() => assertSafeBind({ host: '0.0.0.0' }, true)).not.toThrow();
    expect(() => assertSafeBind({ host: '127.0.0.1' }, false)).not.toThrow();
  });

  it('answers loopback Host names only without authentication, any with it unless a list is given', () => {
    expect(allowedHosts({ host: '127.0.0.1' }, false)).toEqual(new Set(['localhost', '127.0.0.1', '::1']));
    expect(allowedHosts({ host: '0.0.0.0' }, true)).toBeUndefined();
    expect(allowedHosts({ host: '0.0.0.0', allowedHosts: ['Wallet.Example.com'] }, true)).toEqual(new Set(['wallet.example.com']));
    expect(hostName('[::1]:3000')).toBe('::1');
    expect(hostName('Example.COM:443')).toBe('example.com');
    expect(hostName('localhost')).toBe('localhost');
  });

  it('takes one way to verify tokens, and no secret shorter than 256 bits', () => {
    expect(() => loadConfig({ WALLET_API_JWT_SECRET: 'short' })).toThrow(/WALLET_API_JWT_SECRET/);
    expect(() => loadConfig({ WALLET_API_JWT_SECRET: 'x'.repeat(32), WALLET_API_JWKS_URL: 'https://id.example/jwks.json' })).toThrow(
      /one way to verify tokens/,
    );
    expect(loadConfig({}).api).toMatchObject({ host: '127.0.0.1', docs: false, jwt: {} });
  });
});

describe('load limits', () => {
  it('refuses a waiter past the cap at once and frees slots when waits end', async () => {
    const gate = new WaiterGate(1);
    let release!: () => void;
    const first = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    await expect(gate.run(async () => 'second')).rejects.toMatchObject({ code: 'too_many_waiters' });
    release();
    await first;
    await expect(gate.run(async () => 'third')).resolves.toBe('third');
  });

  it('computes a cached answer once per time window, shared by concurrent callers, and forgets failures', async () => {
    let clock = 0;
    let computed = 0;
    let fail = false;
    const answer = cached(
      async () => {
        computed += 1;
        if (fail) throw new Error('down');
        return computed;
      },
      1000,
      () => clock,
    );
    expect(await Promise.all([answer(), answer(), answer()])).toEqual([1, 1, 1]);
    clock = 999;
    expect(await answer()).toBe(1);
    clock = 1000;
    fail = true;
    await expect(answer()).rejects.toThrow('down');
    fail = false;
    expect(await answer()).toBe(3);
  });
});

describe('the admin scope', () => {
  it('is wallet:admin by default, in `scope` or `scp`, and can be renamed for issuers that cannot write it (Cognito: wallet/admin)', async () => {
    const standard = createAuthenticator({ secret: TEST_JWT_SECRET, adminScope: 'wallet:admin' });
    const cognito = createAuthenticator({ secret: TEST_JWT_SECRET, adminScope: 'wallet/admin' });
    const cognitoToken = await hs256Token({ sub: 'client-1', scope: 'wallet/admin' });
    expect(await standard.authenticate(`Bearer ${await hs256Token({ sub: 's', scope: 'a wallet:admin b' })}`, '::1')).toMatchObject({
      kind: 'admin',
    });
    expect(await standard.authenticate(`Bearer ${cognitoToken}`, '::1')).toMatchObject({ kind: 'user', userId: 'client-1' });
    expect(await cognito.authenticate(`Bearer ${cognitoToken}`, '::1')).toMatchObject({ kind: 'admin', subject: 'client-1' });
    await expect(standard.authenticate(`Bearer ${await hs256Token({ scope: 'wallet:read' })}`, '::1')).rejects.toMatchObject({
      code: 'unauthorized',
    });
  });
});
