import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger, { type StaticDocumentSpec } from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { RateLimitedError, UnauthorizedError } from '../errors.js';
import { authenticationConfigured, createAuthenticator } from './auth.js';
import { isExpectedFailure, mapError } from './error-mapping.js';
import { allowedHosts, assertSafeBind } from './exposure.js';
import { isUnlimited, rateKeyOf, registerGuards } from './guards.js';
import { WaiterGate } from './load-limits.js';
import { buildOpenApiDocument } from './openapi.js';
import { requestForLog } from './request-log.js';
import { registerRoutes } from './routes.js';
import { MAX_REPLY_WAIT_MS } from './schemas.js';
import type { GatewayWallet } from './types.js';

export type { GatewayWallet } from './types.js';

/** SPEC "Who may move money": bodies over 16 KiB are refused (413). A command is well under 1 KiB. */
export const BODY_LIMIT_BYTES = 16 * 1024;
/**
 * Longest raw path parameter: a userId is up to 128 characters, each up to 4
 * UTF-8 bytes, each byte percent-encoded as 3 characters. Fastify's default
 * (100) answered 404 for valid long user ids.
 */
export const MAX_PARAM_LENGTH = 128 * 4 * 3;
/** Time to receive a whole request (headers and body): a slow sender cannot hold a connection for long. */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Builds (does not start) the HTTP gateway: the guards (Host check,
 * authentication, rate limit, security headers), the routes, the typed-error
 * mapping, and, when WALLET_API_DOCS is on, the OpenAPI document at
 * /docs/json and Swagger UI at /docs (assets from the package, no CDN).
 */
export async function buildApi({ wallet }: { wallet: GatewayWallet }): Promise<FastifyInstance> {
  const { api } = wallet.config;
  const authenticator = createAuthenticator(api.jwt);
  // The request log names the route, not the user ids and cursors in its URL.
  const loggerInstance: FastifyBaseLogger = wallet.logger.child({ component: 'http' }, { serializers: { req: requestForLog } });
  const app = Fastify({
    loggerInstance,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    requestTimeout: REQUEST_TIMEOUT_MS,
    // An idle socket is closed after this; a ?wait=true request is idle for up to its reply wait.
    connectionTimeout: MAX_REPLY_WAIT_MS + REQUEST_TIMEOUT_MS,
    // request.ip (rate limits, logs) is X-Forwarded-For's client only behind the proxies configured to be trusted.
    trustProxy: typeof api.trustProxy === 'number' ? trustHops(api.trustProxy) : api.trustProxy,
  });

  // Security headers. No upgrade-insecure-requests: locally the gateway is plain HTTP on loopback
  // (behind a load balancer TLS ends there); Swagger UI's own files satisfy 'self'.
  await app.register(fastifyHelmet, { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  registerGuards(app, {
    authenticator,
    allowedHosts: allowedHosts(api, authenticator.enabled),
    authFailureLimitPerMinute: api.authFailureLimitPerMinute,
  });
  // After authentication (preHandler), so each principal has its own budget; unauthenticated routes count per address.
  await app.register(fastifyRateLimit, {
    hook: 'preHandler',
    max: api.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: rateKeyOf,
    allowList: isUnlimited,
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(`rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`),
  });

  if (api.docs) {
    // Static mode: the document comes from our zod schemas (openapi.ts), not from route JSON schemas,
    // so requests are validated by zod alone and report issues in the service's one format.
    // The cast only bridges typings: zod's JSON Schema output is not typed as openapi-types' SchemaObject.
    const document = buildOpenApiDocument() as unknown as StaticDocumentSpec['document'];
    await app.register(fastifySwagger, { mode: 'static', specification: { document } });
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  }

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route for ${request.method} on this path` }),
  );

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = mapError(error);
    // Logged once, here at the boundary: a fault of ours with its stack; an expected refusal or outage as one line.
    if (!isExpectedFailure(error, status)) request.log.error({ err: error, status }, 'request failed');
    else if (status >= 500) request.log.warn({ code: body.error, status }, 'request not served');
    else request.log.info({ code: body.error, status }, 'request refused');
    if (error instanceof UnauthorizedError) void reply.header('www-authenticate', 'Bearer realm="wallet", error="invalid_token"');
    return reply.code(status).send(body);
  });

  registerRoutes(app, wallet, { waiters: new WaiterGate(api.maxWaiters) });
  return app;
}

/** The nearest `hops` proxies are trusted (Fastify's own number option is not in its types). */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

/** Listens on WALLET_API_HOST, refusing an address beyond loopback when no authentication is configured. */
export async function listenApi(
  app: FastifyInstance,
  wallet: Pick<GatewayWallet, 'config'>,
  port = wallet.config.apiPort,
): Promise<string> {
  assertSafeBind(wallet.config.api, authenticationConfigured(wallet.config.api.jwt));
  return app.listen({ port, host: wallet.config.api.host });
}
