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
const userIdParameter = { name: 'userId', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 128 } };

export function buildOpenApiDocument() {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Wallet API',
      version: '0.1.0',
      description: 'HTTP gateway of the wallet worker: enqueue transaction commands, read balances and history.',
    },
    components: {
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
            '503': error('SQS is unavailable'),
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
            '404': error('Unknown user'),
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
            '503': error('DynamoDB is unavailable'),
          },
        },
      },
      '/health': {
        get: {
          operationId: 'health',
          summary: 'Whether SQS and DynamoDB answer',
          responses: {
            '200': { description: 'Both answer', ...json({ $ref: '#/components/schemas/Health' }) },
            '503': { description: 'At least one does not', ...json({ $ref: '#/components/schemas/Health' }) },
          },
        },
      },
    },
  };
}
