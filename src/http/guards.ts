import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError, RateLimitedError, UnauthorizedError } from '../errors.js';
import { ADMIN_SCOPE, type Authenticator, type Principal } from './auth.js';
import { hostName } from '../net/host-names.js';
import { FailureLimiter } from './load-limits.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the authentication hook on every route that needs it. */
    principal: Principal | null;
  }
}

/** Routes anyone may call: the cached health answer, and the API's own documentation when enabled. */
const PUBLIC_ROUTES = [/^\/health$/, /^\/docs(\/|$)/];
/**
 * Routes outside the per-principal rate limit: a load balancer probes
 * /health from one address (or a few), and a limited probe would take
 * healthy instances out of service. Its answer is cached (health.ts), so
 * unlimited probes cost no store calls.
 */
const UNLIMITED_ROUTES = [/^\/health$/];

/**
 * The checks every request passes before its handler (docs/security.md):
 * the Host header (DNS rebinding), then the bearer token. Both run in
 * onRequest, before the body is read.
 */
export function registerGuards(
  app: FastifyInstance,
  {
    authenticator,
    allowedHosts,
    authFailureLimitPerMinute,
  }: { authenticator: Authenticator; allowedHosts: Set<string> | undefined; authFailureLimitPerMinute: number },
): void {
  app.decorateRequest('principal', null);

  if (allowedHosts) {
    app.addHook('onRequest', async (request) => {
      const host = request.headers.host;
      if (host === undefined || !allowedHosts.has(hostName(host))) {
        throw new ForbiddenError(
          `this gateway does not answer for the host name in the Host header; allowed: ${[...allowedHosts].join(', ')} (WALLET_API_ALLOWED_HOSTS)`,
        );
      }
    });
  }

  // Failed authentications count per client address (request.ip: the socket's, or X-Forwarded-For's
  // from a proxy trusted by WALLET_API_TRUST_PROXY); the principal's own limit needs a principal.
  const failures = new FailureLimiter(authFailureLimitPerMinute);
  app.addHook('onRequest', async (request, reply) => {
    if (isPublic(request)) return;
    const source = `address:${request.ip}`;
    const blockedMs = failures.blockedFor(source);
    if (blockedMs > 0) {
      void reply.header('retry-after', String(Math.ceil(blockedMs / 1000)));
      throw new RateLimitedError(
        `more than ${authFailureLimitPerMinute} failed authentications per minute from this address; retry in ${Math.ceil(blockedMs / 1000)} s`,
      );
    }
    try {
      request.principal = await authenticator.authenticate(request.headers.authorization, request.ip);
    } catch (error) {
      if (error instanceof UnauthorizedError) failures.recordFailure(source);
      throw error;
    }
  });
}

function isPublic(request: FastifyRequest): boolean {
  return PUBLIC_ROUTES.some((pattern) => pattern.test(routeOf(request)));
}

/** Whether the per-principal rate limit skips this request (@fastify/rate-limit's allowList). */
export function isUnlimited(request: FastifyRequest): boolean {
  return UNLIMITED_ROUTES.some((pattern) => pattern.test(routeOf(request)));
}

function routeOf(request: FastifyRequest): string {
  return request.routeOptions?.url ?? request.url.split('?')[0] ?? '';
}

/** The principal of a guarded route (the hook has run); never null there. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ForbiddenError(`no principal on a guarded route (${ADMIN_SCOPE} needed)`);
  return request.principal;
}

/** The key rate limits count under: the principal, else the client address. */
export function rateKeyOf(request: FastifyRequest): string {
  return request.principal?.rateKey ?? `address:${request.ip}`;
}
