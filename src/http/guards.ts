import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ADMIN_SCOPE, ForbiddenError, type Authenticator, type Principal } from './auth.js';
import { hostName } from './exposure.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the authentication hook on every route that needs it. */
    principal: Principal | null;
  }
}

/** Routes anyone may call: the cached health answer, and the API's own documentation when enabled. */
const PUBLIC_ROUTES = [/^\/health$/, /^\/docs(\/|$)/];

/**
 * The checks every request passes before its handler (docs/security.md):
 * the Host header (DNS rebinding), then the bearer token. Both run in
 * onRequest, before the body is read.
 */
export function registerGuards(app: FastifyInstance, { authenticator, allowedHosts }: { authenticator: Authenticator; allowedHosts: Set<string> | undefined }): void {
  app.decorateRequest('principal', null);

  if (allowedHosts) {
    app.addHook('onRequest', async (request) => {
      const host = request.headers.host;
      if (host === undefined || !allowedHosts.has(hostName(host))) {
        throw new ForbiddenError(`this gateway does not answer for the host name in the Host header; allowed: ${[...allowedHosts].join(', ')} (WALLET_API_ALLOWED_HOSTS)`);
      }
    });
  }

  app.addHook('onRequest', async (request) => {
    if (isPublic(request)) return;
    request.principal = await authenticator.authenticate(request.headers.authorization, request.ip);
  });
}

function isPublic(request: FastifyRequest): boolean {
  const path = request.routeOptions?.url ?? request.url.split('?')[0] ?? '';
  return PUBLIC_ROUTES.some((pattern) => pattern.test(path));
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
