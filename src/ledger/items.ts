import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { CorruptItemError } from '../errors.js';
import { formatCents, parseStoredNumber, type Cents } from '../money/money.js';
import type { TransactionType } from '../messages/command.js';

/**
 * How users and transaction records look in DynamoDB, and the only code that
 * converts between those items and the types the rest of the service uses.
 */

export interface UserState {
  userId: string;
  balance: Cents;
  /** Count of applied transactions; 0 for a user another tool created without one. */
  version: number;
  /**
   * When this service last decided a command of this user: our own attribute,
   * so another tool's `updatedAt` (or a sentinel it wrote) never orders history.
   */
  lastDecidedAt?: string;
}

export type StickyRejection = 'insufficient_funds' | 'user_not_found';

interface RecordBase {
  idempotentKey: string;
  transactionId: string;
  userId: string;
  type: TransactionType;
  amount: Cents;
  /** ISO-8601 time the outcome was decided; the history index sorts on it. */
  timestamp: string;
}

export type TransactionRecord =
  | (RecordBase & { status: 'applied'; newBalance: Cents; version: number })
  | (RecordBase & { status: 'rejected'; reason: StickyRejection });

export type AppliedRecord = Extract<TransactionRecord, { status: 'applied' }>;

export type Item = Record<string, unknown>;

/** A user item as this code reads it; CorruptItemError when its balance is not money (poison, not an outage). */
export function userFromItem(item: Item): UserState {
  const lastDecidedAt = item.lastDecidedAt;
  return {
    userId: text(item, 'userId'),
    balance: money(item, 'balance'),
    version: item.version === undefined ? 0 : count(item, 'version'),
    ...(typeof lastDecidedAt === 'string' && ISO_TIMESTAMP.test(lastDecidedAt) && { lastDecidedAt }),
  };
}

export function newUserItem(userId: string, balance: Cents, now: string): Item {
  return { userId, balance: NumberValue.from(formatCents(balance)), version: 0, createdAt: now, updatedAt: now };
}

export function recordToItem(record: TransactionRecord): Item {
  const base = {
    idempotentKey: record.idempotentKey,
    transactionId: record.transactionId,
    userId: record.userId,
    type: record.type,
    amount: NumberValue.from(formatCents(record.amount)),
    status: record.status,
    timestamp: record.timestamp,
  };
  return record.status === 'applied'
    ? { ...base, newBalance: NumberValue.from(formatCents(record.newBalance)), version: record.version }
    : { ...base, reason: record.reason };
}

export function recordFromItem(item: Item): TransactionRecord {
  const type = text(item, 'type');
  if (type !== 'credit' && type !== 'debit') throw new CorruptItemError(`transaction ${String(item.idempotentKey)} has type ${type}`);
  const base: RecordBase = {
    idempotentKey: text(item, 'idempotentKey'),
    transactionId: text(item, 'transactionId'),
    userId: text(item, 'userId'),
    type,
    amount: money(item, 'amount'),
    timestamp: text(item, 'timestamp'),
  };
  const status = text(item, 'status');
  if (status === 'applied') {
    return { ...base, status, newBalance: money(item, 'newBalance'), version: count(item, 'version') };
  }
  const reason = text(item, 'reason');
  if (status !== 'rejected' || (reason !== 'insufficient_funds' && reason !== 'user_not_found')) {
    throw new CorruptItemError(`transaction ${base.idempotentKey} has status ${status} / reason ${reason}`);
  }
  return { ...base, status, reason };
}

function text(item: Item, field: string): string {
  const value = item[field];
  if (typeof value !== 'string') throw new CorruptItemError(`item attribute ${field} is not a string`);
  return value;
}

/** Numbers arrive as NumberValue (wrapNumbers) so their exact decimal text is kept. */
function numberText(item: Item, field: string): string {
  const value = item[field];
  if (value instanceof NumberValue) return value.value;
  if (typeof value === 'object' && value !== null && 'value' in value && typeof value.value === 'string') return value.value;
  throw new CorruptItemError(`item attribute ${field} is not a number`);
}

/** The only timestamp shape this service writes (toISOString of a four-digit year). */
const ISO_TIMESTAMP = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/;

function count(item: Item, field: string): number {
  const value = Number(numberText(item, field));
  if (!Number.isSafeInteger(value) || value < 0) throw new CorruptItemError(`item attribute ${field} is not a count`);
  return value;
}

function money(item: Item, field: string): Cents {
  try {
    return parseStoredNumber(numberText(item, field));
  } catch (error) {
    throw new CorruptItemError(`item attribute ${field} is not an amount of money`, { cause: error });
  }
}
