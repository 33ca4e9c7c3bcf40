import type { FastifyInstance } from 'fastify';
import { checkHealth } from './health.js';
import type { GatewayWallet } from './types.js';
import {
  DEFAULT_REPLY_WAIT_MS,
  HistoryQuerySchema,
  MAX_REPLY_WAIT_MS,
  PublishQuerySchema,
  UserParamsSchema,
  parseRequestPart,
} from './schemas.js';

/** The gateway's routes; every failure is thrown and turned into a status by the error handler (error-mapping.ts). */
export function registerRoutes(app: FastifyInstance, wallet: GatewayWallet): void {
  app.post('/transactions', async (request, reply) => {
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
    const result = await wallet.publishTransaction(request.body, { waitForReply: wait, timeoutMs, signal: clientGone.signal }).finally(() => reply.raw.off('close', onClose));
    if (result.reply) return reply.code(200).send(result.reply);
    return reply.code(202).send({ idempotentKey: result.idempotentKey, messageId: result.messageId });
  });

  app.get('/users/:userId/balance', async (request) => {
    const { userId } = parseRequestPart(UserParamsSchema, request.params, 'params');
    return wallet.getCurrentBalance({ userId });
  });

  app.get('/users/:userId/transactions', async (request) => {
    const { userId } = parseRequestPart(UserParamsSchema, request.params, 'params');
    const { limit, cursor } = parseRequestPart(HistoryQuerySchema, request.query, 'query');
    return wallet.listTransactions({ userId, ...(limit !== undefined && { limit }), ...(cursor !== undefined && { cursor }) });
  });

  app.get('/health', async (_request, reply) => {
    const health = await checkHealth(wallet);
    return reply.code(health.status === 'ok' ? 200 : 503).send(health);
  });
}
