import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { CorruptItemError } from '../errors.js';
import { isCurrencyCode } from '../money/currencies.js';
import { formatStored, parseStoredNumber, type Cents } from '../money/money.js';
import { COMMAND_TYPES, type TransactionType } from '../messages/command.js';
import { STICKY_REJECTIONS, type StickyRejection } from '../messages/reply.js';
import { CHAIN_HEAD_ATTRIBUTE, HASH_ATTRIBUTE } from './chain.js';
import {
  recordAttributes,
  WALLET_STATUSES,
  type Item,
  type OpenHold,
  type RecordBase,
  type TransactionRecord,
  type UserState,
  type WalletStatus,
} from './model.js';

/**
 * How users and transaction records look in DynamoDB (model.ts holds what
 * they mean), and the only code that converts between those items and the
 * types the rest of the service uses.
 */

/** An amount as DynamoDB stores it (an item attribute or an expression value): its exact decimal text as a NumberValue. */
export function storedNumber(amount: Cents): NumberValue {
  return NumberValue.from(formatStored(amount));
}

/** A user item as this code reads it; CorruptItemError when its balance is not money (poison, not an outage). */
export function userFromItem(item: Item): UserState {
  const lastDecidedAt = item.lastDecidedAt;
  const chainHash = item[CHAIN_HEAD_ATTRIBUTE];
  return {
    userId: text(item, 'userId'),
    ...(item.currency !== undefined && { currency: currencyOf(item) }),
    ...(item.status !== undefined && { status: walletStatusOf(item) }),
    ...(item.metadata !== undefined && { metadata: stringMap(item, 'metadata') }),
    balance: money(item, 'balance'),
    version: item.version === undefined ? 0 : count(item, 'version'),
    ...(typeof lastDecidedAt === 'string' && { lastDecidedAt }),
    holds: holdsFromItem(item),
    ...(typeof chainHash === 'string' && { chainHash }),
  };
}

/** A wallet item as seeding or a tool writes it: active, in `currency`, with no history yet. */
export function newUserItem(userId: string, balance: Cents, now: string, currency: string): Item {
  return { userId, balance: storedNumber(balance), version: 0, currency, status: 'active', createdAt: now, updatedAt: now };
}

/** The item of a wallet an `open` creates: created when it was decided. */
export function openedWalletItem(user: UserState): Item {
  const createdAt = user.lastDecidedAt ?? '';
  return {
    ...newUserItem(user.userId, user.balance, createdAt, user.currency ?? ''),
    status: user.status ?? 'active',
    version: user.version,
    lastDecidedAt: createdAt,
    ...(user.metadata !== undefined && { metadata: user.metadata }),
    ...(user.chainHash !== undefined && { [CHAIN_HEAD_ATTRIBUTE]: user.chainHash }),
  };
}

export function holdsToItem(holds: ReadonlyMap<string, OpenHold>): Item {
  return Object.fromEntries([...holds].map(([key, hold]) => [key, { amount: storedNumber(hold.amount), expiresAt: hold.expiresAt }]));
}

function holdsFromItem(item: Item): Map<string, OpenHold> {
  const raw = item.holds;
  if (raw === undefined) return new Map();
  if (typeof raw !== 'object' || raw === null) throw new CorruptItemError('item attribute holds is not a map');
  return new Map(
    Object.entries(raw as Record<string, unknown>).map(([key, value]) => {
      const hold = (value ?? {}) as Item;
      const expiresAt = text(hold, 'expiresAt');
      if (!ISO_TIMESTAMP.test(expiresAt)) throw new CorruptItemError(`hold ${key} has no valid expiry`);
      return [key, { amount: money(hold, 'amount'), expiresAt }];
    }),
  );
}

export function recordToItem(record: TransactionRecord): Item {
  return recordAttributes(record, storedNumber);
}

function transactionType(item: Item, field: string): TransactionType {
  const type = text(item, field);
  if (!(COMMAND_TYPES as readonly string[]).includes(type))
    throw new CorruptItemError(`transaction ${String(item.idempotentKey)} has ${field} ${type}`);
  return type as TransactionType;
}

export function recordFromItem(item: Item): TransactionRecord {
  const type = transactionType(item, 'type');
  const optionalText = (field: string) => (item[field] === undefined ? {} : { [field]: text(item, field) });
  const base: RecordBase = {
    idempotentKey: text(item, 'idempotentKey'),
    transactionId: text(item, 'transactionId'),
    userId: text(item, 'userId'),
    type,
    timestamp: text(item, 'timestamp'),
    ...(item.amount !== undefined && { amount: money(item, 'amount') }),
    ...optionalText('request'),
    ...optionalText('toUserId'),
    ...optionalText('holdKey'),
    ...optionalText('originalKey'),
    ...(item.originalType !== undefined && { originalType: transactionType(item, 'originalType') }),
    ...optionalText('expiresAt'),
    ...optionalText('legOf'),
    ...optionalText('counterpartyUserId'),
    ...optionalText('closedBy'),
    ...(item.refVersion !== undefined && { refVersion: count(item, 'refVersion') }),
    ...(item.reversedAmount !== undefined && { reversedAmount: money(item, 'reversedAmount') }),
    ...(item.openHolds !== undefined && { openHolds: openHoldsFromItem(item) }),
    ...(item.currency !== undefined && { currency: currencyOf(item) }),
    ...optionalText('note'),
    ...(item.metadata !== undefined && { metadata: stringMap(item, 'metadata') }),
  };
  const status = text(item, 'status');
  if (status === 'applied') {
    if (base.amount === undefined) throw new CorruptItemError(`transaction ${base.idempotentKey} was applied without an amount`);
    // Records written before holds existed carry no newHeld: nothing was held then.
    const newHeld = item.newHeld === undefined ? 0n : money(item, 'newHeld');
    const hash = item[HASH_ATTRIBUTE];
    return {
      ...base,
      amount: base.amount,
      status,
      newBalance: money(item, 'newBalance'),
      newHeld,
      version: count(item, 'version'),
      ...(typeof hash === 'string' && { hash }),
    };
  }
  const reason = text(item, 'reason');
  if (status !== 'rejected' || !(STICKY_REJECTIONS as readonly string[]).includes(reason)) {
    throw new CorruptItemError(`transaction ${base.idempotentKey} has status ${status} / reason ${reason}`);
  }
  return {
    ...base,
    status,
    reason: reason as StickyRejection,
    ...(item.newBalance !== undefined && { newBalance: money(item, 'newBalance') }),
    ...(item.newHeld !== undefined && { newHeld: money(item, 'newHeld') }),
  };
}

function openHoldsFromItem(item: Item): OpenHold[] {
  const raw = item.openHolds;
  if (!Array.isArray(raw)) throw new CorruptItemError(`transaction ${String(item.idempotentKey)} has openHolds that is not a list`);
  return raw.map((value) => {
    const hold = (value ?? {}) as Item;
    const expiresAt = text(hold, 'expiresAt');
    if (!ISO_TIMESTAMP.test(expiresAt))
      throw new CorruptItemError(`transaction ${String(item.idempotentKey)} has an open hold without a valid expiry`);
    return { amount: money(hold, 'amount'), expiresAt };
  });
}

/**
 * Whether a stored item can be read as money data: its state, or the reason
 * it can never be used (the commands that read it are poison, SPEC rule 10).
 * Beyond its shape, an item this service wrote never holds a negative
 * balance or a hold of nothing: one that does was edited by hand.
 */
export function parseUser(item: Item): UserState | CorruptItemError {
  const user = parsed(() => userFromItem(item));
  if (user instanceof CorruptItemError) return user;
  if (user.balance < 0n) return new CorruptItemError(`user ${user.userId} has a negative balance`);
  for (const [key, hold] of user.holds) if (hold.amount <= 0n) return new CorruptItemError(`user ${user.userId} holds ${key} of no money`);
  return user;
}

export function parseRecord(item: Item): TransactionRecord | CorruptItemError {
  const record = parsed(() => recordFromItem(item));
  if (record instanceof CorruptItemError) return record;
  if ((record.amount ?? 0n) < 0n || (record.reversedAmount ?? 0n) < 0n)
    return new CorruptItemError(`transaction ${record.idempotentKey} has a negative amount`);
  return record;
}

function parsed<T>(parse: () => T): T | CorruptItemError {
  try {
    return parse();
  } catch (error) {
    if (error instanceof CorruptItemError) return error;
    throw error;
  }
}

function currencyOf(item: Item): string {
  const code = text(item, 'currency');
  if (!isCurrencyCode(code)) throw new CorruptItemError(`item attribute currency is not a known currency: ${JSON.stringify(code)}`);
  return code;
}

function walletStatusOf(item: Item): WalletStatus {
  const status = text(item, 'status');
  if (!(WALLET_STATUSES as readonly string[]).includes(status))
    throw new CorruptItemError(`item attribute status is not a wallet status: ${JSON.stringify(status)}`);
  return status as WalletStatus;
}

function stringMap(item: Item, field: string): Record<string, string> {
  const value = item[field];
  if (typeof value !== 'object' || value === null || Object.values(value).some((member) => typeof member !== 'string'))
    throw new CorruptItemError(`item attribute ${field} is not a map of strings`);
  return { ...(value as Record<string, string>) };
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
