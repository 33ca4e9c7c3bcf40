import { z } from 'zod';
import { isWireAmountFormat, parseAmount } from '../money/money.js';
import { toSqsJson, toSqsText, truncateText } from './sqs-text.js';

/** No C0/C1 control characters (which also excludes NUL, newlines and DEL). */
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

/**
 * Noncharacters (U+FFFE, U+FFFF, U+FDD0–U+FDEF, the last two of every plane)
 * and unpaired surrogates are not text: SQS refuses some of them in any
 * message, so a key or user id holding one could never be replied to.
 * (Astral characters are text and SQS carries them.)
 */
const NOT_TEXT = /[\p{Noncharacter_Code_Point}\p{Surrogate}]/u;

function boundedText(field: string, max: number) {
  return z
    .string({ error: `${field} must be a string` })
    .refine((value) => [...value].length >= 1, { message: `${field} must not be empty` })
    .refine((value) => [...value].length <= max, { message: `${field} must be at most ${max} characters` })
    .refine((value) => NO_CONTROL_CHARACTERS.test(value), { message: `${field} must not contain control characters` })
    .refine((value) => !NOT_TEXT.test(value), { message: `${field} must not contain noncharacters (such as U+FFFE) or unpaired surrogates` });
}

export const AmountSchema = z
  .string({ error: 'amount must be a decimal string' })
  .refine(isWireAmountFormat, {
    message: 'amount must be plain digits with at most 2 fractional digits and 15 integer digits (no sign, exponent, spaces or leading zeros)',
  })
  .refine((value) => !isWireAmountFormat(value) || /[1-9]/.test(value), { message: 'amount must be greater than zero' });

export const TransactionTypeSchema = z.enum(['credit', 'debit'], { error: 'type must be "credit" or "debit"' });

/** The body of a message on the command queue (SPEC "Command message"). */
export const CommandSchema = z.strictObject({
  idempotentKey: boundedText('idempotentKey', 255),
  userId: boundedText('userId', 128),
  amount: AmountSchema,
  type: TransactionTypeSchema,
});

export type Command = z.infer<typeof CommandSchema>;
export type TransactionType = z.infer<typeof TransactionTypeSchema>;

/** Largest body the worker will parse; matches the SQS message size limit (256 KiB). */
export const MAX_COMMAND_BODY_BYTES = 256 * 1024;

/** The largest body SQS can deliver (1 MiB); larger ones are not even parsed for a key. */
const MAX_QUEUE_BODY_BYTES = 1024 * 1024;

export interface CommandIssue {
  path: string;
  message: string;
}

export type ParsedCommand =
  | { ok: true; command: Command }
  | { ok: false; issues: CommandIssue[]; idempotentKey?: string; userId?: string };

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
  if (bytes > MAX_COMMAND_BODY_BYTES) return { ok: false, issues: [tooLarge], ...readableField(json, 'idempotentKey', 255), ...readableField(json, 'userId', 128) };
  return parseCommand(json);
}

/** Validates an already-decoded command (from a queue body, an API call or a script). */
export function parseCommand(json: unknown): ParsedCommand {
  const result = CommandSchema.safeParse(json);
  if (result.success) return { ok: true, command: result.data };
  return {
    ok: false,
    issues: boundIssues(result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }))),
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
    const kept = { path: truncateText(toSqsText(issue.path), MAX_ISSUE_PATH_UNITS), message: truncateText(toSqsText(issue.message), MAX_ISSUE_MESSAGE_UNITS) };
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

/** The amount of a valid command, in cents. */
export function commandCents(command: Command): bigint {
  return parseAmount(command.amount);
}
