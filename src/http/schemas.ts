import { z } from 'zod';
import { InvalidRequestError } from '../errors.js';
import { MAX_HISTORY_LIMIT } from '../query/history.js';

/**
 * Schemas of the gateway's own inputs and outputs (the command and reply
 * schemas come from src/messages). Used both to validate requests and to
 * generate the OpenAPI document, so the two cannot disagree.
 */
export const DEFAULT_REPLY_WAIT_MS = 10_000;
export const MAX_REPLY_WAIT_MS = 30_000;

export const PublishQuerySchema = z.strictObject({
  wait: z.enum(['true', 'false']).optional().describe('true: wait for the worker\'s reply and return it (200) instead of 202'),
  timeoutMs: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe(`How long to wait for the reply, in ms (default ${DEFAULT_REPLY_WAIT_MS}, capped at ${MAX_REPLY_WAIT_MS})`),
});

export const UserParamsSchema = z.strictObject({ userId: z.string().min(1).max(128) });

export const HistoryQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_HISTORY_LIMIT).optional().describe(`Page size, 1 to ${MAX_HISTORY_LIMIT} (default 20)`),
  cursor: z.string().min(1).optional().describe('nextCursor of the previous page'),
});

export const AcceptedSchema = z.object({ idempotentKey: z.string(), messageId: z.string() });

export const BalanceSchema = z.object({ userId: z.string(), balance: z.string().describe('Decimal string, two fractional digits') });

export const HistoryEntrySchema = z.object({
  idempotentKey: z.string(),
  transactionId: z.string(),
  userId: z.string(),
  type: z.enum(['credit', 'debit']),
  amount: z.string(),
  status: z.enum(['applied', 'rejected']),
  reason: z.enum(['insufficient_funds', 'user_not_found']).optional(),
  newBalance: z.string().optional(),
  timestamp: z.string(),
});

export const HistoryPageSchema = z.object({ items: z.array(HistoryEntrySchema), nextCursor: z.string().optional() });

const CheckSchema = z.enum(['ok', 'unavailable']);
export const HealthSchema = z.object({ status: CheckSchema, checks: z.object({ sqs: CheckSchema, dynamodb: CheckSchema }) });

export const ErrorSchema = z.object({
  error: z
    .string()
    .describe(
      'Stable code: invalid_request, bad_request, unauthorized, forbidden, user_not_found, before_wallet_opened, not_found, payload_too_large, rate_limited, ' +
        'reply_timeout, store_unavailable, too_many_waiters, internal_error',
    ),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

/** Validates one request part with a gateway schema; a failure is the InvalidRequestError the rest of the service uses. */
export function parseRequestPart<T extends z.ZodType>(schema: T, value: unknown, part: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: [part, ...issue.path.map(String)].join('.'), message: issue.message }));
  throw new InvalidRequestError(`invalid ${part}`, issues);
}
