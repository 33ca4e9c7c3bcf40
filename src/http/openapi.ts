import { z } from 'zod';
import { CommandSchema } from '../messages/command.js';
import { ReplySchema } from '../messages/reply.js';
import {
  AcceptedSchema,
  BalanceSchema,
  ErrorSchema,
  HealthSchema,
  HistoryPageSchema,
  HistoryQuerySchema,
  PublishQuerySchema,
} from './schemas.js';
import { BalanceAtSchema, BalanceQuerySchema, StatementQuerySchema, StatementSchema } from '../query/statement-schemas.js';
import { STATEMENT_CSV_COLUMNS } from '../query/statement-csv.js';

/**
 * The OpenAPI 3.0 document, generated from the same zod schemas the gateway
 * and the worker validate with. Refinements (amount format, lengths) cannot
 * be expressed in JSON Schema, so the descriptions below state them in words.
 */
const toSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' });

const FIELD_DOCS: Record<string, { description: string; example: unknown }> = {
  idempotentKey: { description: '1-255 characters, no control characters; the same key is only ever applied once', example: 'order-42-refund' },
  userId: { description: 'The user whose money moves first (payer, holder, owner of the original); 1-128 characters', example: '0b6c6f5e-2f0c-4c55-9d1e-5b1f8f1c2a11' },
  amount: { description: 'Decimal string > 0, at most 2 fractional digits and 15 integer digits; no sign, exponent, spaces or leading zeros', example: '25.50' },
  toUserId: { description: 'The recipient (not the payer itself)', example: '7d1e2f3a-0000-4c55-9d1e-5b1f8f1c2a11' },
  expiresInSeconds: { description: 'How long the hold reserves the money: 1 to 2,592,000 s (default 604,800, 7 days)', example: 3600 },
  holdKey: { description: 'The idempotentKey of the hold command', example: 'order-42-auth' },
  originalKey: { description: 'The idempotentKey of the applied credit, debit, transfer or capture to reverse', example: 'order-42-charge' },
};

const COMMAND_EXAMPLES = {
  credit: { idempotentKey: 'topup-17', userId: '0b6c…', type: 'credit', amount: '50.00' },
  debit: { idempotentKey: 'order-42-charge', userId: '0b6c…', type: 'debit', amount: '25.50' },
  transfer: { idempotentKey: 'p2p-9', userId: '0b6c…', type: 'transfer', amount: '10.00', toUserId: '7d1e…' },
  hold: { idempotentKey: 'order-42-auth', userId: '0b6c…', type: 'hold', amount: '30.00', expiresInSeconds: 3600 },
  capture: { idempotentKey: 'order-42-capture', userId: '0b6c…', type: 'capture', holdKey: 'order-42-auth', amount: '25.50' },
  release: { idempotentKey: 'order-42-cancel', userId: '0b6c…', type: 'release', holdKey: 'order-42-auth' },
  reverse: { idempotentKey: 'order-42-refund', userId: '0b6c…', type: 'reverse', originalKey: 'order-42-charge', amount: '5.00' },
  open: { idempotentKey: 'open-0b6c', userId: '0b6c…', type: 'open', currency: 'EUR', metadata: { customer: 'c-981' } },
  freeze: { idempotentKey: 'case-77-freeze', userId: '0b6c…', type: 'freeze', note: 'case 77: under review' },
  unfreeze: { idempotentKey: 'case-77-unfreeze', userId: '0b6c…', type: 'unfreeze', note: 'case 77 closed' },
  close: { idempotentKey: 'close-0b6c', userId: '0b6c…', type: 'close', note: 'customer left' },
} as const;

/** One schema per command type (each with an example), so Swagger UI shows every type; `Command` is their union. */
function commandSchemas() {
  const schemas: Record<string, unknown> = {};
  for (const option of CommandSchema.options) {
    const type = option.shape.type.value;
    const schema = toSchema(option) as { properties?: Record<string, Record<string, unknown>> };
    for (const [field, docs] of Object.entries(FIELD_DOCS)) {
      const property = schema.properties?.[field];
      if (property) Object.assign(property, docs);
    }
    schemas[`${type[0]?.toUpperCase()}${type.slice(1)}Command`] = { ...schema, example: COMMAND_EXAMPLES[type] };
  }
  return schemas;
}

function commandSchema() {
  const names = CommandSchema.options.map((option) => option.shape.type.value).map((type) => `${type[0]?.toUpperCase()}${type.slice(1)}Command`);
  return {
    oneOf: names.map((name) => ({ $ref: `#/components/schemas/${name}` })),
    discriminator: { propertyName: 'type', mapping: Object.fromEntries(names.map((name) => [name.replace('Command', '').toLowerCase(), `#/components/schemas/${name}`])) },
  };
}

function queryParameters(schema: z.ZodType) {
  const json = toSchema(schema) as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: property,
    ...(property.description && { description: property.description }),
  }));
}

const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/Error' }) });
/** Answers every guarded operation can give besides its own (authentication, the rate limit). */
const guarded = {
  '401': error('No bearer token, or one that is expired, not yet valid, unsigned, or signed by an unknown key'),
  '429': error('Rate limit of this principal exceeded; see the Retry-After header'),
};
const userIdParameter = { name: 'userId', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 128 } };

export function buildOpenApiDocument() {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Wallet API',
      version: '0.1.0',
      description:
        'HTTP gateway of the wallet worker: enqueue transaction commands, read balances and history. ' +
        'Every operation but /health needs `Authorization: Bearer <JWT>` when the gateway has authentication configured: ' +
        'a token with the scope `wallet:admin` acts for any user; any other token acts for the user in its `sub` only ' +
        '(its own balance and history; `debit` and `transfer` for itself). Another user\'s data answers 404, as an unknown user.',
    },
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256, RS256 or ES256 token; see docs/security.md' },
      },
      schemas: {
        Command: commandSchema(),
        ...commandSchemas(),
        Reply: toSchema(ReplySchema),
        Accepted: toSchema(AcceptedSchema),
        Balance: toSchema(BalanceSchema),
        BalanceAt: toSchema(BalanceAtSchema),
        Statement: toSchema(StatementSchema),
        HistoryPage: toSchema(HistoryPageSchema),
        Health: toSchema(HealthSchema),
        Error: toSchema(ErrorSchema),
      },
    },
    paths: {
      '/transactions': {
        post: {
          operationId: 'publishTransaction',
          summary: 'Enqueue a transaction command',
          description: 'Validates the command and puts it on the command queue. With wait=true, waits for the worker\'s reply.',
          parameters: queryParameters(PublishQuerySchema),
          requestBody: { required: true, ...json({ $ref: '#/components/schemas/Command' }) },
          responses: {
            '200': { description: 'The reply (with wait=true): applied or rejected', ...json({ $ref: '#/components/schemas/Reply' }) },
            '202': { description: 'Enqueued', ...json({ $ref: '#/components/schemas/Accepted' }) },
            '400': error('Invalid command or parameters; `issues` lists what is wrong'),
            ...guarded,
            '403': error('A user token sent a command type that needs the wallet:admin scope'),
            '404': error('A user token sent a command for another user (answered as for an unknown user)'),
            '413': error('Body larger than 16 KiB'),
            '503': error('SQS is unavailable, or too many requests are waiting for replies'),
            '504': error('No reply within the time limit (the command may still be applied)'),
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
              ...json({ oneOf: [{ $ref: '#/components/schemas/Balance' }, { $ref: '#/components/schemas/BalanceAt' }] }),
            },
            '400': error('Invalid at'),
            '404': error('Unknown user (or, for a user token, another user): user_not_found; at before the wallet existed: before_wallet_opened'),
            ...guarded,
            '503': error('DynamoDB is unavailable'),
          },
        },
      },
      '/users/{userId}/transactions': {
        get: {
          operationId: 'listTransactions',
          summary: 'A user\'s transactions, newest first',
          parameters: [userIdParameter, ...queryParameters(HistoryQuerySchema)],
          responses: {
            '200': { description: 'One page', ...json({ $ref: '#/components/schemas/HistoryPage' }) },
            '400': error('Invalid limit or cursor'),
            '404': error('Unknown user (or, for a user token, another user)'),
            ...guarded,
            '503': error('DynamoDB is unavailable'),
          },
        },
      },
      '/users/{userId}/statement': {
        get: {
          operationId: 'getStatement',
          summary: 'Statement of a period [from, to): opening and closing balance, totals, the entries oldest first',
          description:
            'JSON (default): the whole period\'s figures and one page of entries (limit, cursor). ' +
            `With \`Accept: text/csv\`: the whole period as CSV, streamed; columns ${STATEMENT_CSV_COLUMNS.join(', ')}; ` +
            'rows: opening (at from, with the opening balance), one per entry, closing (at to, with the totals in moneyIn/moneyOut and the closing balance).',
          parameters: [userIdParameter, ...queryParameters(StatementQuerySchema)],
          responses: {
            '200': {
              description: 'The statement (a page of it, in JSON)',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/Statement' } },
                'text/csv': { schema: { type: 'string' } },
              },
            },
            '400': error('Invalid from, to, limit or cursor (from must be before to)'),
            '404': error('Unknown user (or, for a user token, another user): user_not_found; a period wholly before the wallet existed: before_wallet_opened'),
            ...guarded,
            '503': error('DynamoDB is unavailable'),
          },
        },
      },
      '/health': {
        get: {
          operationId: 'health',
          summary: 'Whether SQS and DynamoDB answer (refreshed at most every 5 s; no token needed)',
          security: [],
          responses: {
            '200': { description: 'Both answer', ...json({ $ref: '#/components/schemas/Health' }) },
            '503': { description: 'At least one does not', ...json({ $ref: '#/components/schemas/Health' }) },
          },
        },
      },
    },
  };
}
