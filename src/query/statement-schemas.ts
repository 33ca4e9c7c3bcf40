import { z } from 'zod';
import { InvalidRequestError } from '../errors.js';
import { COMMAND_TYPES } from '../messages/command.js';
import { parseInstant } from './instants.js';
import { MoneyTextSchema } from './result-schemas.js';

/**
 * The one definition of the shapes of "Balances in time and statements"
 * (SPEC): what getBalanceAt and getStatement take and return. The library
 * validates its input with them, the gateway its query string, and the
 * OpenAPI document is generated from them.
 */

/** Date.UTC(10000, 0, 1): instants are written with four-digit years. */
const YEAR_10000_MS = 253_402_300_800_000;

/**
 * Instants are ISO 8601 with a zone, years 1970-9999, with up to 3 fractional
 * digits (milliseconds), or 6: an entry's own timestamp, whose last 3 digits
 * order the wallet's decisions within the millisecond (src/query/instants.ts).
 */
export const InstantSchema = z.iso
  .datetime({ offset: true })
  .refine((text) => {
    const fraction = /\.(\d+)/.exec(text)?.[1] ?? '';
    return fraction.length <= 3 || fraction.length === 6;
  }, "0 to 3 fractional digits, or 6 (an entry's timestamp)")
  .refine((text) => {
    const ms = Date.parse(text);
    return Number.isFinite(ms) && ms >= 0 && ms < YEAR_10000_MS;
  }, 'between 1970 and 9999')
  .describe("ISO 8601 instant with a zone, e.g. 2026-12-01T00:00:00Z or 2026-12-01T01:00:00.000+01:00, or an entry's timestamp");

const UserIdSchema = z.string().min(1).max(128);
const MoneySchema = MoneyTextSchema;

export const DEFAULT_STATEMENT_LIMIT = 100;
export const MAX_STATEMENT_LIMIT = 500;

/** The gateway's query string of GET /users/{userId}/balance: without `at`, today's balance. */
export const BalanceQuerySchema = z.strictObject({
  at: InstantSchema.optional().describe('The balance as it stood at this instant: after the last entry decided at or before it'),
});

export const BalanceAtRequestSchema = z.strictObject({ userId: UserIdSchema, at: InstantSchema });

export const BalanceAtSchema = z.object({
  userId: z.string(),
  currency: z.string().describe('ISO 4217 code of the wallet'),
  at: z.string().describe('The instant asked for, in UTC (as the service writes instants)'),
  balance: MoneySchema.describe('The posted balance at that instant'),
  held: MoneySchema.describe('The holds still reserving money at that instant'),
  available: MoneySchema.describe('balance - held'),
});

const PeriodFields = {
  from: InstantSchema.describe('Start of the period, inclusive (ISO 8601 instant with a zone)'),
  to: InstantSchema.describe('End of the period, exclusive (ISO 8601 instant with a zone)'),
};
/** Milliseconds first, then the within-millisecond ordinal (an instant without one is its millisecond's start). */
const fromBeforeTo = (period: { from: string; to: string }) => {
  if (!Number.isFinite(Date.parse(period.from)) || !Number.isFinite(Date.parse(period.to))) return true; // reported by the fields
  const [from, to] = [parseInstant(period.from), parseInstant(period.to)];
  return from.ms < to.ms || (from.ms === to.ms && Number(from.ordinal ?? 0) < Number(to.ordinal ?? 0));
};
const FROM_BEFORE_TO = { message: 'from must be before to', path: ['to'] };

/** The gateway's query string of GET /users/{userId}/statement. */
export const StatementQuerySchema = z
  .strictObject({
    ...PeriodFields,
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_STATEMENT_LIMIT)
      .optional()
      .describe(`Entries per page, 1 to ${MAX_STATEMENT_LIMIT} (default ${DEFAULT_STATEMENT_LIMIT}); JSON only`),
    cursor: z.string().min(1).max(2048).optional().describe('nextCursor of the previous page (same period); JSON only'),
  })
  .refine(fromBeforeTo, FROM_BEFORE_TO);

export const StatementRequestSchema = z
  .strictObject({
    userId: UserIdSchema,
    ...PeriodFields,
    limit: z.number().int().min(1).max(MAX_STATEMENT_LIMIT).optional(),
    cursor: z.string().min(1).max(2048).optional(),
  })
  .refine(fromBeforeTo, FROM_BEFORE_TO);

/** A period without paging: what the streamed statement (CLI, CSV) takes. */
export const StatementPeriodSchema = z.strictObject({ userId: UserIdSchema, ...PeriodFields }).refine(fromBeforeTo, FROM_BEFORE_TO);

export const StatementEntrySchema = z.object({
  idempotentKey: z.string().describe("The command's key; on the other party's entry of a transfer, a reference of its own (as in history)"),
  transactionId: z.string().describe("This entry's own reference"),
  type: z.enum(COMMAND_TYPES),
  timestamp: z.string().describe('When it was decided'),
  amount: MoneySchema,
  moneyIn: MoneySchema.describe('What it added to the balance ("0.00" when nothing)'),
  moneyOut: MoneySchema.describe('What it took from the balance ("0.00" when nothing)'),
  newBalance: MoneySchema.describe('The balance right after it'),
  toUserId: z.string().optional(),
  counterpartyUserId: z.string().optional().describe("On the other party's entry of a transfer: whose command it was"),
});

export const StatementSchema = z.object({
  userId: z.string(),
  currency: z.string(),
  from: z.string(),
  to: z.string(),
  openingBalance: MoneySchema.describe(
    'The balance before the first entry of the period (the balance the wallet began with, if it began within it)',
  ),
  closingBalance: MoneySchema.describe('The balance after the last entry of the period: openingBalance + totalIn - totalOut'),
  totalIn: MoneySchema,
  totalOut: MoneySchema,
  entries: z.array(StatementEntrySchema).describe('Applied entries decided in [from, to), oldest first; one page of them'),
  nextCursor: z.string().optional().describe('Pass back as cursor (same period) for the next page; absent on the last'),
});

export type BalanceAt = z.infer<typeof BalanceAtSchema>;
export type StatementEntry = z.infer<typeof StatementEntrySchema>;
export type Statement = z.infer<typeof StatementSchema>;
export type StatementRequest = z.input<typeof StatementRequestSchema>;
export type StatementPeriod = z.input<typeof StatementPeriodSchema>;

/** Validates a query's input with its schema; a failure is the service's InvalidRequestError, with every issue. */
export function parseQueryInput<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidRequestError(
    'invalid query',
    result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  );
}
