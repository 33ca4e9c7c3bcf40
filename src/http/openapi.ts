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

/**
 * The OpenAPI 3.0 document, generated from the same zod schemas the gateway
 * and the worker validate with. Refinements (amount format, lengths) cannot
 * be expressed in JSON Schema, so the descriptions below state them in words.
 */
const toSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' });

function commandSchema() {
  const schema = toSchema(CommandSchema) as { properties?: Record<string, Record<string, unknown>> };
  const describe = (field: string, description: string, example: string) => {
    const property = schema.properties?.[field];
    if (property) Object.assign(property, { description, example });
  };
  describe('idempotentKey', '1-255 characters, no control characters; the same key is only ever applied once', 'order-42-refund');
  describe('userId', '1-128 characters, no control characters', '0b6c6f5e-2f0c-4c55-9d1e-5b1f8f1c2a11');
  describe('amount', 'Decimal string > 0, at most 2 fractional digits and 15 integer digits; no sign, exponent, spaces or leading zeros', '25.50');
  return schema;
}

function queryParameters(schema: z.ZodObject) {
  const json = toSchema(schema) as { properties?: Record<string, { description?: string }> };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: false,
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
        Reply: toSchema(ReplySchema),
        Accepted: toSchema(AcceptedSchema),
        Balance: toSchema(BalanceSchema),
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
          summary: 'Current balance of a user',
          parameters: [userIdParameter],
          responses: {
            '200': { description: 'The balance', ...json({ $ref: '#/components/schemas/Balance' }) },
            '404': error('Unknown user (or, for a user token, another user)'),
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
