import { isIP } from 'node:net';

/**
 * Host names and addresses as the gateway, the admin UI and the local stack
 * compare them: below all three, so none imports another for them.
 */

/** The names every loopback listener answers to. */
export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
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
