import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

/** Issue 23: what the gateway's trust settings accept at start-up (F4, F5, F7). */

const COGNITO_ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12Cd34';

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('JWKS URLs (F7)', () => {
  it('refuses a key set fetched over plain http from anything but loopback', () => {
    for (const url of ['http://keys.example.com/jwks.json', 'http://10.0.0.5/jwks.json', 'http://127.0.0.1.example.com/jwks.json']) {
      expect(refusal({ WALLET_API_JWKS_URL: url }).variables, url).toContain('WALLET_API_JWKS_URL');
    }
  });

  it('accepts https anywhere and http on loopback', () => {
    for (const url of [
      'https://keys.example.com/.well-known/jwks.json',
      'http://127.0.0.1:8080/jwks.json',
      'http://localhost:9/jwks.json',
      'http://[::1]:9/jwks.json',
    ]) {
      expect(loadConfig({ WALLET_API_JWKS_URL: url }).api.jwt.jwksUrl, url).toBe(url);
    }
  });
});

describe('Cognito mode (F7)', () => {
  it('recognises a Cognito user pool by its issuer or its JWKS URL', () => {
    expect(
      loadConfig({ WALLET_API_JWT_ISSUER: COGNITO_ISSUER, WALLET_API_JWT_AUDIENCE: 'client-a', WALLET_API_JWT_SECRET: 'x'.repeat(32) }).api
        .jwt,
    ).toMatchObject({ cognito: true, audience: ['client-a'] });
    expect(
      loadConfig({ WALLET_API_JWKS_URL: `${COGNITO_ISSUER}/.well-known/jwks.json`, WALLET_API_JWT_AUDIENCE: 'a, b' }).api.jwt,
    ).toMatchObject({ cognito: true, audience: ['a', 'b'] });
    expect(loadConfig({ WALLET_API_JWT_SECRET: 'x'.repeat(32), WALLET_API_JWT_ISSUER: 'https://issuer.test' }).api.jwt.cognito).toBe(false);
  });

  it('refuses a Cognito pool without the app client ids (access tokens name their client in client_id)', () => {
    expect(
      refusal({ WALLET_API_JWKS_URL: `${COGNITO_ISSUER}/.well-known/jwks.json`, WALLET_API_JWT_ISSUER: COGNITO_ISSUER }).variables,
    ).toContain('WALLET_API_JWT_AUDIENCE');
  });
});

describe('proxy trust and failed-authentication limit (F4, F5)', () => {
  it('trusts no proxy by default and takes hop counts or address lists', () => {
    expect(loadConfig({}).api).toMatchObject({ trustProxy: false, authFailureLimitPerMinute: 20 });
    expect(loadConfig({ WALLET_API_TRUST_PROXY: '1' }).api.trustProxy).toBe(1);
    expect(loadConfig({ WALLET_API_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).api.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(refusal({ WALLET_API_TRUST_PROXY: 'the alb' }).variables).toContain('WALLET_API_TRUST_PROXY');
  });
});
