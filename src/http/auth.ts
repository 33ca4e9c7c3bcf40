import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import type { Config } from '../config.js';
import { UnauthorizedError } from '../errors.js';

/**
 * Who is calling the gateway (SPEC "Who may move money"). A bearer JWT is
 * verified with jose (no hand-written crypto): the signature with the one
 * configured key source; `exp` required (a token without one would be
 * valid forever), `nbf` when present; `iss` / `aud` when configured. With a
 * Cognito user pool (config.ts recognises its URLs) only access tokens
 * (`token_use: access`) of the configured app clients (`client_id`, since
 * Cognito access tokens carry no `aud`) are accepted. Only the algorithms of that source are accepted, so
 * `alg: none`, an HS256 token against an RSA key and any unknown algorithm
 * fail. Without any key source (loopback only, see bind-policy.ts) every
 * caller is an admin, as before authentication existed.
 */
export const ADMIN_SCOPE = 'wallet:admin';

export type Principal =
  /** A service (scope wallet:admin), or anyone when authentication is off: may act for any user. */
  | { kind: 'admin'; subject: string | undefined; rateKey: string }
  /** An end user's token: may act for `userId` (its `sub`) only. */
  | { kind: 'user'; userId: string; rateKey: string };

export interface Authenticator {
  /** Whether tokens are checked at all (false: every caller is an admin). */
  readonly enabled: boolean;
  /** The principal of a request's Authorization header, or an UnauthorizedError. */
  authenticate(authorization: string | undefined, clientAddress: string): Promise<Principal>;
}

const HMAC_ALGORITHMS = ['HS256'];
const PUBLIC_KEY_ALGORITHMS = ['RS256', 'ES256'];
/** Tolerated difference between our clock and the issuer's, for exp and nbf. */
const CLOCK_TOLERANCE_SECONDS = 30;

export function authenticationConfigured(jwt: Config['api']['jwt']): boolean {
  return Boolean(jwt.secret || jwt.jwksFile || jwt.jwksUrl);
}

export function createAuthenticator(jwt: Config['api']['jwt']): Authenticator {
  const source = keySource(jwt);
  if (!source) {
    return {
      enabled: false,
      authenticate: async (_authorization, clientAddress) => ({ kind: 'admin', subject: undefined, rateKey: `address:${clientAddress}` }),
    };
  }
  const options = {
    algorithms: source.algorithms,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['exp'],
    ...(jwt.issuer && { issuer: jwt.issuer }),
    // Cognito access tokens have no aud: their client is checked in client_id below.
    ...(jwt.audience && !jwt.cognito && { audience: jwt.audience }),
  };
  return {
    enabled: true,
    async authenticate(authorization) {
      const token = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(authorization?.trim() ?? '')?.[1];
      if (!token) throw new UnauthorizedError('a bearer token is required (Authorization: Bearer <JWT>)');
      let payload: JWTPayload;
      try {
        ({ payload } =
          typeof source.key === 'function' ? await jwtVerify(token, source.key, options) : await jwtVerify(token, source.key, options));
      } catch (error) {
        // Only the token's own faults are a 401; a key set that cannot be fetched or read is ours (500 via the error handler).
        const ours = error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid;
        if (error instanceof joseErrors.JOSEError && !ours) throw new UnauthorizedError('invalid token', { cause: error });
        throw error;
      }
      if (jwt.cognito) checkCognitoAccessToken(payload, jwt.audience ?? []);
      return principalOf(payload, jwt.adminScope);
    },
  };
}

function keySource(jwt: Config['api']['jwt']): { key: Uint8Array | JWTVerifyGetKey; algorithms: string[] } | undefined {
  if (jwt.secret) return { key: new TextEncoder().encode(jwt.secret), algorithms: HMAC_ALGORITHMS };
  if (jwt.jwksFile)
    return { key: createLocalJWKSet(JSON.parse(readFileSync(jwt.jwksFile, 'utf8')) as JSONWebKeySet), algorithms: PUBLIC_KEY_ALGORITHMS };
  if (jwt.jwksUrl) return { key: createRemoteJWKSet(new URL(jwt.jwksUrl)), algorithms: PUBLIC_KEY_ALGORITHMS };
  return undefined;
}

/** An ID token (or a token of another app client of the pool) is not a credential for this API. */
function checkCognitoAccessToken(payload: JWTPayload, clientIds: string[]): void {
  if (payload.token_use !== 'access') throw new UnauthorizedError('only Cognito access tokens are accepted (token_use: access)');
  if (typeof payload.client_id !== 'string' || !clientIds.includes(payload.client_id))
    throw new UnauthorizedError('the token was issued to another app client (client_id)');
}

/** Scopes as OAuth 2 (`scope`, space-separated) or as some issuers write them (`scp`, a list). */
function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  if (typeof raw === 'string') return raw.split(' ').filter(Boolean);
  if (Array.isArray(raw)) return raw.filter((scope): scope is string => typeof scope === 'string');
  return [];
}

function principalOf(payload: JWTPayload, adminScope: string): Principal {
  const subject = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
  if (scopesOf(payload).includes(adminScope)) return { kind: 'admin', subject, rateKey: `admin:${subject ?? 'unnamed'}` };
  // A user token acts for its subject; one without a subject can act for nobody.
  if (!subject) throw new UnauthorizedError('the token names no subject (sub)');
  return { kind: 'user', userId: subject, rateKey: `user:${subject}` };
}
