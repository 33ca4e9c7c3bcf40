import { describe, expect, it } from 'vitest';
import { ANSWER_BY_CODE } from '../../src/http/error-mapping.js';
import { buildOpenApiDocument } from '../../src/http/openapi.js';
import { COMMAND_TYPES, CommandSchema } from '../../src/messages/command.js';
import { OpenApiCheck, type SentResponse } from '../support/openapi-check.js';

const document = JSON.parse(JSON.stringify(buildOpenApiDocument()));
const schemas = document.components.schemas;

/** Every object schema in a JSON schema tree, with where it is. */
function objectSchemas(node: unknown, path: string): Array<{ path: string; schema: Record<string, unknown> }> {
  if (typeof node !== 'object' || node === null) return [];
  const found = Object.entries(node).flatMap(([key, child]) => objectSchemas(child, `${path}/${key}`));
  const schema = node as Record<string, unknown>;
  return schema.type === 'object' && schema.properties ? [{ path, schema }, ...found] : found;
}

const json = (status: number, body: unknown, url = '/users/u/balance', method = 'GET'): SentResponse => ({
  method,
  url,
  status,
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify(body),
});

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.0, every object of ours closed', async () => {
    await expect(OpenApiCheck.of(document)).resolves.toBeInstanceOf(OpenApiCheck);
    const open = objectSchemas(schemas, '#/components/schemas').filter(({ schema }) => schema.additionalProperties !== false);
    expect(open.map(({ path }) => path)).toEqual([]);
  });

  it("takes its commands, balance and history entries from the code's schemas", () => {
    expect(schemas.Command.oneOf).toHaveLength(CommandSchema.options.length);
    expect(Object.keys(schemas.Balance.properties)).toEqual(['userId', 'currency', 'status', 'balance', 'available', 'held']);
    for (const entry of schemas.HistoryPage.properties.items.items.oneOf) expect(entry.properties.type.enum).toEqual([...COMMAND_TYPES]);
  });

  it('declares the errors every operation can answer, each status with the codes answered with it', () => {
    for (const [path, operations] of Object.entries<Record<string, { responses: Record<string, unknown> }>>(document.paths)) {
      for (const { responses } of Object.values(operations)) {
        const expected = path === '/health' ? ['200', '403', '500', '503'] : ['400', '401', '403', '404', '429', '500', '503'];
        expect(Object.keys(responses), path).toEqual(expect.arrayContaining(expected));
      }
    }
    for (const [code, answer] of Object.entries(ANSWER_BY_CODE)) {
      if (answer !== 'internal') expect(schemas[`Error${answer.status}`].properties.error.enum, code).toContain(code);
    }
  });
});

describe('the check of a response against the document', () => {
  const balance = { userId: 'u', currency: 'USD', status: 'active', balance: '1.00', available: '0.50', held: '0.50' };

  it('passes a response that keeps it, and one to a path it does not describe', async () => {
    const check = await OpenApiCheck.of(document);
    expect(check.problems(json(200, balance))).toEqual([]);
    expect(check.problems(json(404, { error: 'not_found', message: 'no route' }, '/no/such/route'))).toEqual([]);
  });

  it('fails a body with a field the schema lacks or without one it requires, an undeclared status, content type or error code', async () => {
    const check = await OpenApiCheck.of(document);
    expect(check.problems(json(200, { ...balance, overdraft: '0' })).join()).toContain('"additionalProperty":"overdraft"');
    expect(check.problems(json(200, { ...balance, held: undefined })).join()).toContain('"missingProperty":"held"');
    expect(check.problems(json(418, balance))).toEqual(['status 418 is not declared for getBalance']);
    expect(check.problems({ ...json(200, balance), contentType: 'text/csv' })).toEqual([
      'content type text/csv is not declared for 200 of getBalance',
    ]);
    const limited = json(429, { error: 'rate_limited', message: 'slow down' });
    expect(check.problems({ ...limited, headers: {} })).toEqual(['required header Retry-After is missing']);
    expect(check.problems({ ...limited, headers: { 'retry-after': '60' } })).toEqual([]);
    expect(check.problems(json(404, { error: 'rate_limited', message: 'slow down' })).join()).toContain(
      '/error must be equal to one of the allowed values',
    );
    const entry = {
      idempotentKey: 'k',
      transactionId: 't',
      userId: 'u',
      type: 'gift',
      currency: 'USD',
      status: 'applied',
      newBalance: '1.00',
      available: '1.00',
      timestamp: '2026-12-05T08:00:00.123004Z',
    };
    expect(check.problems(json(200, { items: [entry] }, '/users/u/transactions'))).not.toEqual([]);
  });
});
