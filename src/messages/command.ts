import { z } from 'zod';
import { parseAmount } from '../money/money.js';
import { AmountSchema, boundedText, common, CurrencySchema } from './fields.js';
import { toSqsJson, toSqsText, truncateText } from './sqs-text.js';
import { CloseSchema, FreezeSchema, OpenSchema, UnfreezeSchema, WALLET_COMMAND_TYPES } from './wallet-commands.js';

export { AmountSchema };

export const MONEY_COMMAND_TYPES = ['credit', 'debit', 'transfer', 'hold', 'capture', 'release', 'reverse'] as const;
export const COMMAND_TYPES = [...MONEY_COMMAND_TYPES, ...WALLET_COMMAND_TYPES] as const;
export const TransactionTypeSchema = z.enum(COMMAND_TYPES, {
  error: `type must be one of ${COMMAND_TYPES.map((type) => `"${type}"`).join(', ')}`,
});

/** A hold reserves money for this long unless the command says otherwise (SPEC: 1 s to 30 days, default 7 days). */
export const DEFAULT_HOLD_SECONDS = 604_800;
export const MAX_HOLD_SECONDS = 2_592_000;

/** The fields every money command has: when it names a currency, it must be its wallet's (`currency_mismatch`). */
const money = { ...common, currency: CurrencySchema.optional() };

export const CreditSchema = z.strictObject({ ...money, type: z.literal('credit'), amount: AmountSchema });
export const DebitSchema = z.strictObject({ ...money, type: z.literal('debit'), amount: AmountSchema });
export const TransferSchema = z
  .strictObject({ ...money, type: z.literal('transfer'), amount: AmountSchema, toUserId: boundedText('toUserId', 128) })
  .refine((command) => command.toUserId !== command.userId, { message: 'toUserId must be another user than userId', path: ['toUserId'] });
export const HoldSchema = z.strictObject({
  ...money,
  type: z.literal('hold'),
  amount: AmountSchema,
  expiresInSeconds: z
    .number({ error: 'expiresInSeconds must be a whole number of seconds' })
    .int({ error: 'expiresInSeconds must be a whole number of seconds' })
    .min(1, { error: 'expiresInSeconds must be at least 1' })
    .max(MAX_HOLD_SECONDS, { error: `expiresInSeconds must be at most ${MAX_HOLD_SECONDS} (30 days)` })
    .optional(),
});
/** A command cannot refer to itself: its own key names the command, never the hold or original it acts on. */
function notItself(
  field: 'holdKey' | 'originalKey',
): [
  (command: { idempotentKey: string } & Partial<Record<'holdKey' | 'originalKey', string>>) => boolean,
  { message: string; path: string[] },
] {
  return [(command) => command[field] !== command.idempotentKey, { message: `${field} must be the key of another command`, path: [field] }];
}

export const CaptureSchema = z
  .strictObject({ ...money, type: z.literal('capture'), holdKey: boundedText('holdKey', 255), amount: AmountSchema.optional() })
  .refine(...notItself('holdKey'));
export const ReleaseSchema = z
  .strictObject({ ...money, type: z.literal('release'), holdKey: boundedText('holdKey', 255) })
  .refine(...notItself('holdKey'));
export const ReverseSchema = z
  .strictObject({ ...money, type: z.literal('reverse'), originalKey: boundedText('originalKey', 255), amount: AmountSchema.optional() })
  .refine(...notItself('originalKey'));

/** The body of a message on the command queue (SPEC "Command message", "Money movement beyond credit and debit" and "Wallets"). */
export const CommandSchema = z.discriminatedUnion(
  'type',
  [
    CreditSchema,
    DebitSchema,
    TransferSchema,
    HoldSchema,
    CaptureSchema,
    ReleaseSchema,
    ReverseSchema,
    OpenSchema,
    FreezeSchema,
    UnfreezeSchema,
    CloseSchema,
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? `type must be one of ${COMMAND_TYPES.map((type) => `"${type}"`).join(', ')}` : undefined,
  },
);

/**
 * What every command has, whatever its type: checked when the type itself is
 * missing or unknown, so such a body still hears about its other defects
 * (missing key or user, unknown fields).
 */
const EnvelopeSchema = z.strictObject({
  ...common,
  type: TransactionTypeSchema,
  amount: z.unknown().optional(),
  toUserId: z.unknown().optional(),
  expiresInSeconds: z.unknown().optional(),
  holdKey: z.unknown().optional(),
  originalKey: z.unknown().optional(),
  currency: z.unknown().optional(),
  metadata: z.unknown().optional(),
  note: z.unknown().optional(),
});

export type Command = z.infer<typeof CommandSchema>;
export type TransactionType = Command['type'];
export type CommandOf<T extends TransactionType> = Extract<Command, { type: T }>;
/** The commands that open a wallet or change its status. */
export type WalletCommand = CommandOf<(typeof WALLET_COMMAND_TYPES)[number]>;
/** The commands that move money (every type but the wallet commands). */
export type MoneyCommand = CommandOf<(typeof MONEY_COMMAND_TYPES)[number]>;
/** The commands that move one user's money by a named amount (what the bench and the chaos harness send). */
export type CreditOrDebit = CommandOf<'credit' | 'debit'>;

/** Largest body the worker will parse; matches the SQS message size limit (256 KiB). */
export const MAX_COMMAND_BODY_BYTES = 256 * 1024;

/** The largest body SQS can deliver (1 MiB); larger ones are not even parsed for a key. */
const MAX_QUEUE_BODY_BYTES = 1024 * 1024;

export interface CommandIssue {
  path: string;
  message: string;
}

export type ParsedCommand = { ok: true; command: Command } | { ok: false; issues: CommandIssue[]; idempotentKey?: string; userId?: string };

/**
 * Parses a raw queue body. Never throws: a bad body yields its issues and,
 * where it can be read, the key (so the producer can be told).
 */
export function parseCommandBody(body: string | undefined): ParsedCommand {
  if (body === undefined || body.length === 0) return { ok: false, issues: [{ path: '', message: 'message body is empty' }] };
  const bytes = Buffer.byteLength(body, 'utf8');
  const tooLarge = { path: '', message: `message body exceeds ${MAX_COMMAND_BODY_BYTES} bytes` };
  if (bytes > MAX_QUEUE_BODY_BYTES) return { ok: false, issues: [tooLarge] };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, issues: [bytes > MAX_COMMAND_BODY_BYTES ? tooLarge : { path: '', message: 'message body is not valid JSON' }] };
  }
  // SQS delivers bodies up to 1 MiB: an oversized command is still refused, but its producer is told (SPEC rule 8).
  if (bytes > MAX_COMMAND_BODY_BYTES)
    return { ok: false, issues: [tooLarge], ...readableField(json, 'idempotentKey', 255), ...readableField(json, 'userId', 128) };
  return parseCommand(json);
}

/** Validates an already-decoded command (from a queue body, an API call or a script). */
export function parseCommand(json: unknown): ParsedCommand {
  const result = CommandSchema.safeParse(json);
  if (result.success) return { ok: true, command: result.data };
  const typeUnknown = result.error.issues.some(
    (issue) => issue.code === 'invalid_union' || (issue.path.length === 1 && issue.path[0] === 'type'),
  );
  const issues = typeUnknown ? (EnvelopeSchema.safeParse(json).error?.issues ?? result.error.issues) : result.error.issues;
  return {
    ok: false,
    issues: boundIssues(issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }))),
    ...readableField(json, 'idempotentKey', 255),
    ...readableField(json, 'userId', 128),
  };
}

/** At most this many issues are reported; a body can hold thousands of defects. */
export const MAX_REPORTED_ISSUES = 10;
const MAX_ISSUE_MESSAGE_UNITS = 200;
const MAX_ISSUE_PATH_UNITS = 100;
/** Budget for all issues together, as written in a reply body (escapes included). */
const MAX_ISSUES_BYTES = 1536;

/**
 * What is wrong, bounded so the reply that carries it always fits in an SQS
 * message (SPEC rule 8): zod's "Unrecognized keys" message alone echoes every
 * unknown key. Texts keep only characters SQS accepts, each is cut to a few
 * hundred characters, and past the budget the rest is counted, not listed.
 */
export function boundIssues(issues: CommandIssue[]): CommandIssue[] {
  const bounded: CommandIssue[] = [];
  let bytes = 0;
  for (const issue of issues) {
    const kept = {
      path: truncateText(toSqsText(issue.path), MAX_ISSUE_PATH_UNITS),
      message: truncateText(toSqsText(issue.message), MAX_ISSUE_MESSAGE_UNITS),
    };
    bytes += Buffer.byteLength(toSqsJson(kept), 'utf8');
    if (bounded.length === MAX_REPORTED_ISSUES || bytes > MAX_ISSUES_BYTES) break;
    bounded.push(kept);
  }
  const left = issues.length - bounded.length;
  if (left > 0) bounded.push({ path: '', message: `and ${left} more issue(s) not listed` });
  return bounded;
}

/** Picks a field out of an invalid command only when it is itself valid, so replies never echo garbage. */
function readableField(json: unknown, field: 'idempotentKey' | 'userId', max: number): Record<string, string> {
  if (typeof json !== 'object' || json === null) return {};
  const value = (json as Record<string, unknown>)[field];
  return boundedText(field, max).safeParse(value).success ? { [field]: value as string } : {};
}

/** The amount a command names, in mills (undefined when it names none: capture or reverse "all of it", release, wallet commands). */
export function commandMills(command: Command): bigint | undefined {
  return 'amount' in command && command.amount !== undefined ? parseAmount(command.amount) : undefined;
}
/** The older name of `commandMills` (the decide step still uses it). */
export const commandCents = commandMills;

/**
 * What makes two commands under one key the same command (SPEC rule 4,
 * every field of every type): amounts compared as money ("10" is "10.00"),
 * a hold's default expiry the same as naming it, metadata in any order.
 */
export function commandFingerprint(command: Command): string {
  const fields: Record<string, unknown> = { ...command, idempotentKey: undefined };
  const mills = commandMills(command);
  // Fingerprints stored before amounts had a third digit count cents: an amount in whole cents is still
  // written that way (a redelivered old command stays the same command); one that needs the third digit
  // is written as a fraction, which no count of cents can equal.
  if (mills !== undefined) fields.amount = mills % 10n === 0n ? (mills / 10n).toString() : `${mills}/1000`;
  if (command.type === 'hold') fields.expiresInSeconds = command.expiresInSeconds ?? DEFAULT_HOLD_SECONDS;
  return JSON.stringify(
    Object.keys(fields)
      .sort()
      .filter((key) => fields[key] !== undefined)
      .map((key) => [key, fields[key]]),
  );
}
