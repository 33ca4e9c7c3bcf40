import type { FastifyInstance } from 'fastify';
import { authorizeCommand, authorizeRead, unscopeKey } from './authorization.js';
import { checkHealth } from './health.js';
import { principalOf } from './guards.js';
import { cached, type WaiterGate } from './load-limits.js';
import type { GatewayWallet } from './types.js';
import { registerStatementRoutes } from './statement-routes.js';
import { BalanceQuerySchema } from '../query/statement-schemas.js';
import {
  DEFAULT_REPLY_WAIT_MS,
  HistoryQuerySchema,
  MAX_REPLY_WAIT_MS,
  PublishQuerySchema,
  UserParamsSchema,
  parseRequestPart,
} from './schemas.js';

/** /health answers from this cache: anonymous callers never cause calls to SQS or DynamoDB of their own. */
const HEALTH_CACHE_MS = 5_000;

/**
 * The gateway's routes; every failure is thrown and turned into a status by the error handler (error-mapping.ts).
 * Each route authorizes its principal first (authorization.ts): another user's data answers as an unknown user.
 */
export function registerRoutes(app: FastifyInstance, wallet: GatewayWallet, { waiters }: { waiters: WaiterGate }): void {
  const health = cached(() => checkHealth(wallet), HEALTH_CACHE_MS);

  app.post('/transactions', async (request, reply) => {
    const principal = principalOf(request);
    const command = authorizeCommand(principal, request.body);
    const query = parseRequestPart(PublishQuerySchema, request.query, 'query');
    const wait = query.wait === 'true';
    // Capped so a client cannot hold a connection (and a reply-queue poller) open indefinitely.
    const timeoutMs = Math.min(query.timeoutMs ?? DEFAULT_REPLY_WAIT_MS, MAX_REPLY_WAIT_MS);
    // A client that goes away ends its wait (and frees its waiter) instead of leaving it to time out.
    // The response's 'close' fires on disconnect; the request's fires as soon as its body is read.
    const clientGone = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) clientGone.abort();
    };
    if (wait) reply.raw.once('close', onClose);
    if (wait && request.raw.socket.destroyed) clientGone.abort(); // gone before we listened
    // The body is validated by publishTransaction with the worker's own CommandSchema.
    const publish = () => wallet.publishTransaction(command, { waitForReply: wait, timeoutMs, signal: clientGone.signal });
    const result = await (wait ? waiters.run(publish) : publish()).finally(() => reply.raw.off('close', onClose));
    // The caller sees the key it sent, not the one its principal's key space stored.
    if (result.reply) return reply.code(200).send({ ...result.reply, idempotentKey: unscopeKey(principal, result.reply.idempotentKey) });
    return reply.code(202).send({ idempotentKey: unscopeKey(principal, result.idempotentKey), messageId: result.messageId });
  });

  app.get('/users/:userId/balance', async (request) => {
    const { userId } = parseRequestPart(UserParamsSchema, request.params, 'params');
    authorizeRead(principalOf(request), userId);
    const { at } = parseRequestPart(BalanceQuerySchema, request.query, 'query');
    return at === undefined ? wallet.getCurrentBalance({ userId }) : wallet.getBalanceAt({ userId, at });
  });

  registerStatementRoutes(app, wallet);

  app.get('/users/:userId/transactions', async (request) => {
    const { userId } = parseRequestPart(UserParamsSchema, request.params, 'params');
    const principal = principalOf(request);
    authorizeRead(principal, userId);
    const { limit, cursor } = parseRequestPart(HistoryQuerySchema, request.query, 'query');
    const page = await wallet.listTransactions({ userId, ...(limit !== undefined && { limit }), ...(cursor !== undefined && { cursor }) });
    // One rule for unknown users: 404, as their balance. Only an empty first page costs the extra read.
    if (page.items.length === 0 && cursor === undefined) await wallet.getCurrentBalance({ userId });
    return { ...page, items: page.items.map((item) => ({ ...item, idempotentKey: unscopeKey(principal, item.idempotentKey) })) };
  });

  app.get('/health', async (_request, reply) => {
    const answer = await health();
    return reply.code(answer.status === 'ok' ? 200 : 503).send(answer);
  });
}
