import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { statementCsv, STATEMENT_CSV_MEDIA_TYPE } from '../query/statement-csv.js';
import type { StatementEvent } from '../query/statement.js';
import { StatementQuerySchema, type StatementEntry } from '../query/statement-schemas.js';
import { authorizeRead, unscopeKey } from './authorization.js';
import { principalOf } from './guards.js';
import { parseRequestPart, UserParamsSchema } from './schemas.js';
import type { GatewayWallet } from './types.js';

/**
 * GET /users/{userId}/statement: JSON a page at a time (limit, cursor), or
 * with `Accept: text/csv` the whole period as CSV, streamed. Authorized as
 * balance and history: a user token reads its own only (another user is 404).
 */
export function registerStatementRoutes(app: FastifyInstance, wallet: GatewayWallet): void {
  app.get('/users/:userId/statement', async (request, reply) => {
    const { userId } = parseRequestPart(UserParamsSchema, request.params, 'params');
    const principal = principalOf(request);
    authorizeRead(principal, userId);
    const { from, to, limit, cursor } = parseRequestPart(StatementQuerySchema, request.query, 'query');
    const asCaller = (entry: StatementEntry) => ({ ...entry, idempotentKey: unscopeKey(principal, entry.idempotentKey) });

    if (!prefersCsv(request.headers.accept)) {
      const statement = await wallet.getStatement({
        userId,
        from,
        to,
        ...(limit !== undefined && { limit }),
        ...(cursor !== undefined && { cursor }),
      });
      return { ...statement, entries: statement.entries.map(asCaller) };
    }
    // The first event (the wallet read, the opening balance) is awaited before the 200 is sent,
    // so an unknown user or a bad period is still answered with its status.
    const events = wallet.streamStatement({ userId, from, to });
    const first = await events.next();
    const lines = statementCsv(forCaller(first.done ? undefined : first.value, events, asCaller));
    return reply
      .type(STATEMENT_CSV_MEDIA_TYPE)
      .header('content-disposition', 'attachment; filename="statement.csv"')
      .send(Readable.from(lines));
  });
}

/** The stream again from its first event, each entry's key as the caller sent it. */
async function* forCaller(
  first: StatementEvent | undefined,
  rest: AsyncIterable<StatementEvent>,
  asCaller: (entry: StatementEntry) => StatementEntry,
): AsyncGenerator<StatementEvent> {
  if (first) yield first;
  for await (const event of rest) yield event.kind === 'entry' ? { ...event, entry: asCaller(event.entry) } : event;
}

/** CSV when the Accept header names text/csv and ranks it at least as high as JSON (q-values). */
export function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const quality = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [type = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    quality.set(type, Math.max(quality.get(type) ?? 0, q === undefined ? 1 : Number(q.slice(2)) || 0));
  }
  const csv = quality.get('text/csv') ?? 0;
  return csv > 0 && csv >= (quality.get('application/json') ?? 0);
}
