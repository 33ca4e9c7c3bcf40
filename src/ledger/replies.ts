import type { ParsedCommand } from '../messages/command.js';
import type { Reply } from '../messages/reply.js';
import { exponentOf } from '../money/currencies.js';
import { formatMoney } from '../money/money.js';
import { isWalletCommandType } from '../messages/wallet-commands.js';
import type { ApplyOutcome } from './outcome.js';

/**
 * Replies are built from stored data only (the record), so every delivery of
 * a command gets the same reply but for `replayed`. A refusal of a reused
 * key is not stored: it carries the time it was refused. Money is written
 * with exactly its currency's exponent; records older than currencies are
 * in `defaultCurrency` (WALLET_DEFAULT_CURRENCY).
 */
export function replyForOutcome(outcome: ApplyOutcome, defaultCurrency: string): Reply {
  if (outcome.kind === 'key_reused') {
    // Echo the refused command as sent, never anything of the stored one (not even its wallet's currency).
    const { command } = outcome;
    const named = command as { amount?: string; currency?: string };
    return {
      idempotentKey: command.idempotentKey,
      userId: command.userId,
      type: command.type,
      ...(named.amount !== undefined && { amount: named.amount }),
      ...(named.currency !== undefined && { currency: named.currency }),
      ...commandReferences(command as { toUserId?: string; holdKey?: string; originalKey?: string }),
      status: 'rejected',
      reason: 'idempotency_key_reused',
      processedAt: outcome.decidedAt,
      replayed: false,
    };
  }
  const { record, replayed } = outcome;
  const currency = record.currency ?? defaultCurrency;
  const exponent = exponentOf(currency);
  const common = {
    idempotentKey: record.idempotentKey,
    userId: record.userId,
    type: record.type,
    // Wallet commands move no money: no amount.
    ...(record.amount !== undefined && !isWalletCommandType(record.type) && { amount: formatMoney(record.amount, exponent) }),
    currency,
    ...commandReferences(record),
    ...(record.status === 'applied' && record.expiresAt !== undefined && { expiresAt: record.expiresAt }),
    transactionId: record.transactionId,
    processedAt: record.timestamp,
    replayed,
  };
  return record.status === 'applied'
    ? {
        ...common,
        status: 'applied',
        newBalance: formatMoney(record.newBalance, exponent),
        available: formatMoney(record.newBalance - record.newHeld, exponent),
      }
    : { ...common, status: 'rejected', reason: record.reason };
}

/** The fields of a command that name another user or record. */
function commandReferences(source: object & { toUserId?: string; holdKey?: string; originalKey?: string }) {
  return {
    ...(source.toUserId !== undefined && { toUserId: source.toUserId }),
    ...(source.holdKey !== undefined && { holdKey: source.holdKey }),
    ...(source.originalKey !== undefined && { originalKey: source.originalKey }),
  };
}

/**
 * The reply to a message that is not a valid command, or undefined when not
 * even its key could be read. Nothing is stored for it, so `processedAt` is
 * when the message was sent: the same on every delivery.
 */
export function replyForInvalid(parsed: Extract<ParsedCommand, { ok: false }>, sentAt: Date): Reply | undefined {
  if (parsed.idempotentKey === undefined) return undefined;
  return {
    idempotentKey: parsed.idempotentKey,
    ...(parsed.userId !== undefined && { userId: parsed.userId }),
    status: 'rejected',
    reason: 'invalid_command',
    issues: parsed.issues,
    processedAt: sentAt.toISOString(),
    replayed: false,
  };
}
