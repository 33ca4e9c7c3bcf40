import { BalanceQuerySchema, StatementQuerySchema } from '../query/statement-schemas.js';
import { STATEMENT_CSV_COLUMNS } from '../query/statement-csv.js';
import { buildComponentSchemas, queryParameters, type ErrorStatus } from './openapi-components.js';
import { HistoryQuerySchema, PublishQuerySchema } from './schemas.js';

/**
 * The OpenAPI 3.0 document: the paths, and every response each can give
 * (error bodies too, each status with the codes it carries), over the
 * components generated from the code's own zod schemas (openapi-components.ts).
 * test/support/openapi-check.ts holds every response of the HTTP tests to it.
 */

const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (status: ErrorStatus, description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers && { headers }),
  ...json(ref(`Error${status}`)),
});
const header = (description: string) => ({ description, required: true, schema: { type: 'string' } });

/** Answers every guarded operation can give besides its own: the Host check, authentication, the rate limit, a fault of ours. */
const guarded = {
  '401': error(401, 'No bearer token, or one that is expired, not yet valid, unsigned, or signed by an unknown key', {
    'WWW-Authenticate': header('Bearer realm="wallet", error="invalid_token"'),
  }),
  '403': error(403, 'A Host name the gateway does not answer (WALLET_API_ALLOWED_HOSTS); for some operations, also a missing scope'),
  '429': error(429, 'Rate limit of this principal exceeded, or too many failed authentications from this address', {
    'Retry-After': header('Seconds until a retry may succeed'),
  }),
  '500': error(500, 'A fault of ours; the body is always {"error":"internal_error","message":"internal error"}'),
};
const userIdParameter = { name: 'userId', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 128 } };
const readOutage = { '503': error(503, 'DynamoDB is unavailable, or the wallet is being changed by many writers at once') };

export function buildOpenApiDocument() {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Wallet API',
      version: '0.1.0',
      description:
        'HTTP gateway of the wallet worker: enqueue transaction and wallet commands, read balances, history and statements. ' +
        'Every operation but /health needs `Authorization: Bearer <JWT>` when the gateway has authentication configured: ' +
        'a token with the scope `wallet:admin` acts for any user; any other token acts for the user in its `sub` only ' +
        "(its own balance and history; `debit` and `transfer` for itself). Another user's data answers 404, as an unknown user.",
    },
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'HS256, RS256 or ES256 token; see docs/security.md',
        },
      },
      schemas: buildComponentSchemas(),
    },
    paths: {
      '/transactions': {
        post: {
          operationId: 'publishTransaction',
          summary: 'Enqueue a command',
          description: "Validates the command and puts it on the command queue. With wait=true, waits for the worker's reply.",
          parameters: queryParameters(PublishQuerySchema),
          requestBody: { required: true, ...json(ref('Command')) },
          responses: {
            '200': { description: 'The reply (with wait=true): applied or rejected', ...json(ref('Reply')) },
            '202': { description: 'Enqueued', ...json(ref('Accepted')) },
            '400': error(400, 'Invalid command or parameters (`issues` lists what is wrong), or a body that is not JSON'),
            ...guarded,
            '403': error(
              403,
              'A user token sent a command type that needs the wallet:admin scope, or a Host name the gateway does not answer',
            ),
            '404': error(404, 'A user token sent a command for another user (answered as for an unknown user)'),
            '413': error(413, 'Body larger than 16 KiB'),
            '415': error(415, 'A body that is not application/json'),
            '503': error(
              503,
              'SQS is unavailable, too many requests are waiting for replies, or the gateway stopped waiting (shutting down)',
            ),
            '504': error(504, 'No reply within the time limit (the command may still be applied)'),
          },
        },
      },
      '/users/{userId}/balance': {
        get: {
          operationId: 'getBalance',
          summary: 'Balance of a user: now, or as it stood at an instant (?at=)',
          parameters: [userIdParameter, ...queryParameters(BalanceQuerySchema)],
          responses: {
            '200': {
              description: 'The balance now (Balance), or with ?at= as it stood then (BalanceAt)',
              ...json({ oneOf: [ref('Balance'), ref('BalanceAt')] }),
            },
            '400': error(400, 'Invalid at'),
            '404': error(
              404,
              'Unknown user (or, for a user token, another user): user_not_found; at before the wallet existed: before_wallet_opened',
            ),
            ...guarded,
            ...readOutage,
          },
        },
      },
      '/users/{userId}/transactions': {
        get: {
          operationId: 'listTransactions',
          summary: "A user's transactions, newest first",
          parameters: [userIdParameter, ...queryParameters(HistoryQuerySchema)],
          responses: {
            '200': { description: 'One page', ...json(ref('HistoryPage')) },
            '400': error(400, 'Invalid limit or cursor'),
            '404': error(404, 'Unknown user (or, for a user token, another user)'),
            ...guarded,
            ...readOutage,
          },
        },
      },
      '/users/{userId}/statement': {
        get: {
          operationId: 'getStatement',
          summary: 'Statement of a period [from, to): opening and closing balance, totals, the entries oldest first',
          description:
            "JSON (default): the whole period's figures and one page of entries (limit, cursor). " +
            `With \`Accept: text/csv\`: the whole period as CSV, streamed; columns ${STATEMENT_CSV_COLUMNS.join(', ')}; ` +
            'rows: opening (at from, with the opening balance), one per entry, closing (at to, with the totals in moneyIn/moneyOut and the closing balance).',
          parameters: [userIdParameter, ...queryParameters(StatementQuerySchema)],
          responses: {
            '200': {
              description: 'The statement (a page of it, in JSON)',
              content: {
                'application/json': { schema: ref('Statement') },
                'text/csv': { schema: { type: 'string' } },
              },
            },
            '400': error(400, 'Invalid from, to, limit or cursor (from must be before to)'),
            '404': error(
              404,
              'Unknown user (or, for a user token, another user): user_not_found; a period wholly before the wallet existed: before_wallet_opened',
            ),
            ...guarded,
            ...readOutage,
          },
        },
      },
      '/health': {
        get: {
          operationId: 'health',
          summary: 'Whether SQS and DynamoDB answer (refreshed at most every 5 s; no token needed)',
          security: [],
          responses: {
            '200': { description: 'Both answer', ...json(ref('Health')) },
            '403': guarded['403'],
            '500': guarded['500'],
            '503': { description: 'At least one does not', ...json(ref('Health')) },
          },
        },
      },
    },
  };
}
