import { z } from 'zod';
import { CommandSchema } from '../messages/command.js';
import { ReplySchema } from '../messages/reply.js';
import { BalanceSchema, HistoryPageSchema } from '../query/result-schemas.js';
import { BalanceAtSchema, StatementSchema } from '../query/statement-schemas.js';
import { codesAnsweredWith } from './error-mapping.js';
import { AcceptedSchema, errorBodySchema, HealthSchema } from './schemas.js';

/**
 * The components of the OpenAPI document, each generated from the zod schema
 * the code itself uses: the commands and the reply (src/messages), what the
 * query module answers (src/query), the gateway's own bodies (schemas.ts).
 * Requests are described as zod reads them (`io: 'input'`), answers as the
 * code writes them (`io: 'output'`, so every object of ours is closed:
 * `additionalProperties: false`). Refinements (amount format, lengths) cannot
 * be expressed in JSON Schema, so FIELD_DOCS states them in words.
 */
const toSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' });
export const requestSchema = (schema: z.ZodType) => toSchema(schema, 'input');
const answerSchema = (schema: z.ZodType) => toSchema(schema, 'output');

const FIELD_DOCS: Record<string, { description: string; example: unknown }> = {
  idempotentKey: {
    description: '1-255 characters, no control characters; the same key is only ever applied once',
    example: 'order-42-refund',
  },
  userId: {
    description:
      'The user whose money moves first (payer, holder, owner of the original), or the wallet a wallet command acts on; 1-128 characters',
    example: '0b6c6f5e-2f0c-4c55-9d1e-5b1f8f1c2a11',
  },
  amount: {
    description:
      "Decimal string > 0, at most 3 fractional digits (no more than the wallet's currency has) and 15 integer digits; no sign, exponent, spaces or leading zeros",
    example: '25.50',
  },
  toUserId: { description: 'The recipient (not the payer itself)', example: '7d1e2f3a-0000-4c55-9d1e-5b1f8f1c2a11' },
  expiresInSeconds: { description: 'How long the hold reserves the money: 1 to 2,592,000 s (default 604,800, 7 days)', example: 3600 },
  holdKey: { description: 'The idempotentKey of the hold command', example: 'order-42-auth' },
  originalKey: {
    description: 'The idempotentKey of the applied credit, debit, transfer or capture to reverse',
    example: 'order-42-charge',
  },
  currency: {
    description: "An active ISO 4217 code, upper case; on a money command, refused as currency_mismatch unless it is the wallet's",
    example: 'EUR',
  },
  metadata: { description: 'string → string, at most 16 pairs and 2 KiB of keys and values', example: { customer: 'c-981' } },
  note: { description: 'At most 256 characters, no control characters', example: 'case 77: under review' },
};

/** Examples by command type; a type without one (a new command) still gets its schema. */
const COMMAND_EXAMPLES: Record<string, Record<string, unknown>> = {
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
};

const commandName = (type: string) => `${type[0]?.toUpperCase()}${type.slice(1)}Command`;
const commandTypes = () => CommandSchema.options.map((option) => option.shape.type.value as string);

/** One schema per command type of CommandSchema (each with an example), so Swagger UI shows every type; `Command` is their union. */
function commandSchemas(): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  for (const option of CommandSchema.options) {
    const type: string = option.shape.type.value;
    const schema = requestSchema(option) as { properties?: Record<string, Record<string, unknown>> };
    for (const [field, docs] of Object.entries(FIELD_DOCS)) {
      const property = schema.properties?.[field];
      if (property) Object.assign(property, docs);
    }
    schemas[commandName(type)] = { ...schema, ...(COMMAND_EXAMPLES[type] && { example: COMMAND_EXAMPLES[type] }) };
  }
  return schemas;
}

function commandSchema() {
  const types = commandTypes();
  return {
    oneOf: types.map((type) => ({ $ref: `#/components/schemas/${commandName(type)}` })),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(types.map((type) => [type, `#/components/schemas/${commandName(type)}`])),
    },
  };
}

/** The statuses an error body is declared for; each has its own schema, naming only the codes answered with it. */
export const ERROR_STATUSES = [400, 401, 403, 404, 413, 415, 429, 500, 503, 504] as const;
export type ErrorStatus = (typeof ERROR_STATUSES)[number];

export function buildComponentSchemas(): Record<string, unknown> {
  return {
    Command: commandSchema(),
    ...commandSchemas(),
    Reply: answerSchema(ReplySchema),
    Accepted: answerSchema(AcceptedSchema),
    Balance: answerSchema(BalanceSchema),
    BalanceAt: answerSchema(BalanceAtSchema),
    Statement: answerSchema(StatementSchema),
    HistoryPage: answerSchema(HistoryPageSchema),
    Health: answerSchema(HealthSchema),
    ...Object.fromEntries(ERROR_STATUSES.map((status) => [`Error${status}`, answerSchema(errorBodySchema(codesAnsweredWith(status)))])),
  };
}

/** The query-string parameters of an operation, from the zod schema its route parses them with. */
export function queryParameters(schema: z.ZodType) {
  const json = requestSchema(schema) as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: property,
    ...(property.description && { description: property.description }),
  }));
}
