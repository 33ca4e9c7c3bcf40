import { isIP } from 'node:net';
import type { Config } from '../config.js';
import { UnsafeBindError } from '../errors.js';

/**
 * Where the gateway may listen and which Host names it answers. Without
 * authentication every caller is an admin, so the gateway then listens on
 * loopback only, and answers only loopback Host names: a web page on another
 * origin that rebinds its DNS name to 127.0.0.1 (DNS rebinding) sends its
 * own name as Host and is refused. With authentication, a page has no token
 * to send (bearer tokens are not ambient like cookies), so any Host is
 * answered unless WALLET_API_ALLOWED_HOSTS narrows it.
 */

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

export function assertSafeBind(api: Pick<Config['api'], 'host'>, authenticationEnabled: boolean): void {
  if (authenticationEnabled || isLoopback(api.host)) return;
  throw new UnsafeBindError(
    `refusing to listen on ${api.host} without authentication: anyone who reaches it could move money. ` +
      'Set WALLET_API_JWT_SECRET, WALLET_API_JWKS_FILE or WALLET_API_JWKS_URL, or keep WALLET_API_HOST on loopback (127.0.0.1).',
  );
}

/** Host names answered (lower case, no port); undefined: any. */
export function allowedHosts(api: Pick<Config['api'], 'host' | 'allowedHosts'>, authenticationEnabled: boolean): Set<string> | undefined {
  if (api.allowedHosts) return new Set(api.allowedHosts.map(hostName));
  if (authenticationEnabled) return undefined;
  return new Set([...LOOPBACK_NAMES, hostName(api.host)]);
}

/** The name part of a Host header: `[::1]:3000` → `::1`, `Example.com:443` → `example.com`. */
export function hostName(host: string): string {
  const lower = host.trim().toLowerCase();
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(lower);
  if (bracketed) return bracketed[1] ?? '';
  // A bare IPv6 address has several colons and no port.
  if ((lower.match(/:/g) ?? []).length > 1) return lower;
  return lower.replace(/:\d+$/, '');
}
