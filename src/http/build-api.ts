import fastifySwagger, { type StaticDocumentSpec } from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { mapError } from './error-mapping.js';
import { buildOpenApiDocument } from './openapi.js';
import { registerRoutes } from './routes.js';
import type { GatewayWallet } from './types.js';

export type { GatewayWallet } from './types.js';

/**
 * Builds (does not start) the HTTP gateway: routes, typed-error mapping,
 * the OpenAPI document at /docs/json and Swagger UI at /docs (assets served
 * from the @fastify/swagger-ui package, no CDN).
 */
export async function buildApi({ wallet }: { wallet: GatewayWallet }): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = wallet.logger.child({ component: 'http' });
  const app = Fastify({ loggerInstance });

  // Static mode: the document comes from our zod schemas (openapi.ts), not from route JSON schemas,
  // so requests are validated by zod alone and report issues in the service's one format.
  // The cast only bridges typings: zod's JSON Schema output is not typed as openapi-types' SchemaObject.
  const document = buildOpenApiDocument() as unknown as StaticDocumentSpec['document'];
  await app.register(fastifySwagger, { mode: 'static', specification: { document } });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = mapError(error);
    // Logged once, here at the boundary; expected client errors at a lower level than server faults.
    if (status >= 500) request.log.error({ err: error, status }, 'request failed');
    else request.log.info({ code: body.error, status }, 'request refused');
    return reply.code(status).send(body);
  });

  registerRoutes(app, wallet);
  return app;
}
