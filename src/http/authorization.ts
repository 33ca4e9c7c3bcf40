import { createHash } from 'node:crypto';
import { InvalidRequestError, UserNotFoundError } from '../errors.js';
import { ForbiddenError } from '../errors.js';
import type { Principal } from './auth.js';

/**
 * What a principal may do (SPEC "Who may move money"). An admin acts for
 * anyone. A user token acts for its own `sub` only: another user's data or
 * money answers exactly as an unknown user does (404), so a token learns
 * nothing about who exists.
 */

/**
 * Command types a user token may send for itself; every other type, known
 * today or added later, needs wallet:admin. A table keyed by type so that a
 * new command type is admin-only until someone decides otherwise here.
 */
export const USER_COMMAND_TYPES: Readonly<Record<string, true>> = {
  debit: true,
  transfer: true,
};

/** A user may read only its own balance and history. */
export function authorizeRead(principal: Principal, userId: string): void {
  if (principal.kind === 'user' && principal.userId !== userId) throw new UserNotFoundError(userId);
}

/** A command body a principal may publish, with a user's key moved into that user's own key space. */
export function authorizeCommand(principal: Principal, body: unknown): unknown {
  if (principal.kind === 'admin') return body;
  // Shape errors are left to the command schema (400); only what decides authorization is read here.
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const type = typeof fields.type === 'string' ? fields.type : '';
  if (!Object.hasOwn(USER_COMMAND_TYPES, type))
    throw new ForbiddenError(
      `a user token may send ${Object.keys(USER_COMMAND_TYPES).join(' and ')} only; ${type || 'this command'} needs the wallet:admin scope`,
    );
  if (typeof fields.userId === 'string' && fields.userId !== principal.userId) throw new UserNotFoundError(fields.userId);
  if (typeof fields.idempotentKey !== 'string') return body;
  return { ...fields, idempotentKey: scopeKey(principal, fields.idempotentKey) };
}

// --- keys kept apart per principal ------------------------------------------

/**
 * Keys are one namespace in the ledger. A user token's key is stored as
 * `user:<16 hex of SHA-256(sub)>:<key>`, so a user cannot pre-empt (squat)
 * anyone else's key, nor a service's (services' keys never carry the prefix
 * unless a service chooses to). The caller sees its own key in every answer.
 */
const KEY_LIMIT = 255;
const prefixOf = (userId: string) => `user:${createHash('sha256').update(userId).digest('hex').slice(0, 16)}:`;
export const MAX_USER_KEY_LENGTH = KEY_LIMIT - prefixOf('').length;

export function scopeKey(principal: Principal, key: string): string {
  // An empty key stays empty, so the command schema still refuses it.
  if (principal.kind === 'admin' || key === '') return key;
  if (key.length > MAX_USER_KEY_LENGTH) {
    throw new InvalidRequestError('invalid command', [
      { path: 'idempotentKey', message: `at most ${MAX_USER_KEY_LENGTH} characters with a user token` },
    ]);
  }
  return prefixOf(principal.userId) + key;
}

/** The key as the caller sent it (a key of someone else's space is returned as stored). */
export function unscopeKey(principal: Principal, key: string): string {
  if (principal.kind === 'admin') return key;
  const prefix = prefixOf(principal.userId);
  return key.startsWith(prefix) ? key.slice(prefix.length) : key;
}
