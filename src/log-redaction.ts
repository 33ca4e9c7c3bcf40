import { createHash } from 'node:crypto';
import type { LoggerOptions } from 'pino';

/**
 * What the logs may hold (docs/security.md). At info and above, which is what
 * production runs at, a log line never carries an amount or a balance, and a
 * user id only as a pseudonym: `u_` and the first 16 hex digits of its SHA-256,
 * the same for the same user in every process, so an operator who has a user
 * id can find that user's lines (`userRef()`, or
 * `printf %s "$id" | sha256sum | cut -c1-16`), while someone reading the logs learns neither who nor how much.
 * At debug and trace (local troubleshooting only) nothing is hidden.
 * Keys (idempotentKey) stay: they are the producer's reference, needed to
 * trace a command, and carry no money.
 */
export const MONEY_FIELDS = ['amount', 'balance', 'newBalance', 'available', 'held'] as const;
export const USER_FIELDS = ['userId', 'toUserId'] as const;
const REDACTED = '[redacted]';
const REVEALING_LEVELS = new Set(['debug', 'trace']);

export function userRef(userId: string): string {
  return `u_${createHash('sha256').update(userId).digest('hex').slice(0, 16)}`;
}

/** pino's `redact` option for a log level: top-level fields and one level down (a reply, a command). */
export function redactionFor(level: string): LoggerOptions['redact'] | undefined {
  if (REVEALING_LEVELS.has(level)) return undefined;
  const fields = [...MONEY_FIELDS, ...USER_FIELDS];
  const userFields = new Set<string>(USER_FIELDS);
  return {
    paths: [...fields, ...fields.map((field) => `*.${field}`)],
    censor: (value: unknown, path: string[]) =>
      userFields.has(path.at(-1) ?? '') && typeof value === 'string' ? userRef(value) : REDACTED,
  };
}
