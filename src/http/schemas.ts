import { z } from 'zod';
import { InvalidRequestError } from '../errors.js';
import { MAX_HISTORY_LIMIT } from '../query/history.js';
import { codesAnsweredWith } from './error-mapping.js';

/**
 * Schemas of the gateway's own inputs and outputs: its query strings, the
 * 202, /health and error bodies. The command and reply schemas come from
 * src/messages, the answers' from src/query. Used both to validate requests
 * and to generate the OpenAPI document, so the two cannot disagree.
 */
export const DEFAULT_REPLY_WAIT_MS = 10_000;
export const MAX_REPLY_WAIT_MS = 30_000;

export const PublishQuerySchema = z.strictObject({
  wait: z.enum(['true', 'false']).optional().describe("true: wait for the worker's reply and return it (200) instead of 202"),
  timeoutMs: z.coerce
    .number()
    .int()
    // min(1), not positive(): the document would say `exclusiveMinimum`, which OpenAPI 3.0 and its validators read differently.
    .min(1)
    .optional()
    .describe(`How long to wait for the reply, in ms (default ${DEFAULT_REPLY_WAIT_MS}, capped at ${MAX_REPLY_WAIT_MS})`),
});

export const UserParamsSchema = z.strictObject({ userId: z.string().min(1).max(128) });

export const HistoryQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_HISTORY_LIMIT).optional().describe(`Page size, 1 to ${MAX_HISTORY_LIMIT} (default 20)`),
  cursor: z.string().min(1).optional().describe('nextCursor of the previous page'),
});

export const AcceptedSchema = z.strictObject({
  idempotentKey: z.string().describe('The key as sent'),
  messageId: z.string().describe("SQS's id of the command's message"),
});

const CheckSchema = z.enum(['ok', 'unavailable']);
export const HealthSchema = z.strictObject({ status: CheckSchema, checks: z.strictObject({ sqs: CheckSchema, dynamodb: CheckSchema }) });
export type Health = z.infer<typeof HealthSchema>;

/** An error body whose `error` is one of `codes` (the document declares, per status, the codes it can carry). */
export function errorBodySchema(codes: readonly [string, ...string[]]) {
  return z.strictObject({
    error: z.enum(codes).describe("Stable code, chosen by the error's class, never by its text"),
    message: z.string(),
    issues: z
      .array(z.strictObject({ path: z.string(), message: z.string() }))
      .optional()
      .describe('invalid_request: what is wrong'),
  });
}

export const ErrorSchema = errorBodySchema(codesAnsweredWith());
export type ErrorBody = z.infer<typeof ErrorSchema>;

/** Validates one request part with a gateway schema; a failure is the InvalidRequestError the rest of the service uses. */
export function parseRequestPart<T extends z.ZodType>(schema: T, value: unknown, part: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: [part, ...issue.path.map(String)].join('.'), message: issue.message }));
  throw new InvalidRequestError(`invalid ${part}`, issues);
}
