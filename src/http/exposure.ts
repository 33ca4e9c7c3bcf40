import type { Config } from '../config.js';
import { UnsafeBindError } from '../errors.js';
import { hostName, isLoopback, LOOPBACK_NAMES } from '../net/host-names.js';

/**
 * Where the gateway may listen and which Host names it answers. Without
 * authentication every caller is an admin, so the gateway then listens on
 * loopback only, and answers only loopback Host names: a web page on another
 * origin that rebinds its DNS name to 127.0.0.1 (DNS rebinding) sends its
 * own name as Host and is refused. With authentication, a page has no token
 * to send (bearer tokens are not ambient like cookies), so any Host is
 * answered unless WALLET_API_ALLOWED_HOSTS narrows it.
 */

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
