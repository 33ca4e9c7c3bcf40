import type { FastifyRequest } from 'fastify';

/**
 * The request as fastify's request log shows it: the route's pattern
 * (`/users/:userId/balance`), never the path's or the query string's values
 * (user ids, cursors, keys), so the access log holds no personal data.
 */
export function requestForLog(request: FastifyRequest) {
  return {
    method: request.method,
    route: request.routeOptions?.url ?? '(no route)',
    remoteAddress: request.ip,
  };
}
