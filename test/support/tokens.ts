import { SignJWT } from 'jose';

/** A 256-bit HS256 secret for test gateways (WALLET_API_JWT_SECRET). */
export const TEST_JWT_SECRET = 'test-secret-of-at-least-32-characters-0123456789';

export interface TokenOptions {
  sub?: string;
  scope?: string;
  issuer?: string;
  audience?: string;
  /** Seconds from now (negative: already expired). */
  expiresIn?: number;
  notBefore?: number;
  secret?: string;
}

/** An HS256 token, as an identity provider or a service would sign it. */
export async function hs256Token({
  sub,
  scope,
  issuer,
  audience,
  expiresIn = 300,
  notBefore,
  secret = TEST_JWT_SECRET,
}: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ ...(scope !== undefined && { scope }) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + expiresIn);
  if (sub !== undefined) jwt = jwt.setSubject(sub);
  if (issuer !== undefined) jwt = jwt.setIssuer(issuer);
  if (audience !== undefined) jwt = jwt.setAudience(audience);
  if (notBefore !== undefined) jwt = jwt.setNotBefore(now + notBefore);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** An unsigned token (`alg: none`), which no gateway may accept. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ exp: Math.floor(Date.now() / 1000) + 300, ...claims })}.`;
}
