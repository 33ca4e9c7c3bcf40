import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { CorruptItemError } from '../errors.js';
import { isCurrencyCode } from '../money/currencies.js';
import { formatStored, parseStoredNumber, type Cents } from '../money/money.js';
import { COMMAND_TYPES, type TransactionType } from '../messages/command.js';
import { STICKY_REJECTIONS, type StickyRejection } from '../messages/reply.js';
import { CHAIN_HEAD_ATTRIBUTE, entryHash, HASH_ATTRIBUTE } from './chain.js';

/**
 * How users and transaction records look in DynamoDB, and the only code that
 * converts between those items and the types the rest of the service uses.
 */

/** An open hold, kept on its holder's item so `available` is checked atomically with the balance. */
export interface OpenHold {
  amount: Cents;
  expiresAt: string;
}

/** Where a wallet stands (SPEC "Wallets"): `closed` is for good. */
export const WALLET_STATUSES = ['active', 'frozen', 'closed'] as const;
export type WalletStatus = (typeof WALLET_STATUSES)[number];

export interface UserState {
  userId: string;
  /** The wallet's ISO 4217 code; absent on items made before wallets had one (they hold WALLET_DEFAULT_CURRENCY). */
  currency?: string;
  /** Absent on items made before wallets had a status: active. */
  status?: WalletStatus;
  /** What `open` gave the wallet (written when it is created, never changed). */
  metadata?: Record<string, string>;
  /** The posted balance. */
  balance: Cents;
  /** Count of applied transactions; 0 for a user another tool created without one. */
  version: number;
  /**
   * When this service last decided a command of this user (docs/design.md
   * "Time and order"): our own attribute, so another tool's `updatedAt` never
   * orders history. Kept as stored (any string): every write of the user is
   * conditional on it, and the next decision time ignores one it cannot read.
   */
  lastDecidedAt?: string;
  /** Open holds by the key of their `hold` command; expired ones are pruned on the next write. */
  holds: ReadonlyMap<string, OpenHold>;
  /** Hash of the user's last applied entry (src/ledger/chain.ts); absent before the first chained one. */
  chainHash?: string;
}

export { STICKY_REJECTIONS, type StickyRejection };

export interface RecordBase {
  idempotentKey: string;
  transactionId: string;
  userId: string;
  type: TransactionType;
  /** The money the record moved (a capture's or reversal's resolved amount); absent when a rejection never resolved one. */
  amount?: Cents;
  /** ISO-8601 time the outcome was decided; the history index sorts on it. */
  timestamp: string;
  /** The command as sent (its fingerprint), so a reused key is told apart on every field; absent on records older than it. */
  request?: string;
  toUserId?: string;
  holdKey?: string;
  originalKey?: string;
  /** On a reversal: the type of the record it reversed (which way its money moved back). */
  originalType?: TransactionType;
  /** When a hold stops reserving money. */
  expiresAt?: string;
  /** On the other user's record of a two-user command: the command's own key (never shown), and whose command it was. */
  legOf?: string;
  counterpartyUserId?: string;
  /** Bookkeeping of a record other commands refer to (a hold, an original), guarded by `refVersion`. */
  refVersion?: number;
  closedBy?: string;
  reversedAmount?: Cents;
  /**
   * The holds of this record's user still open right after it (amounts and
   * expiries, soonest first; absent when none), so `held` at any instant up
   * to the user's next entry is known from this entry alone.
   */
  openHolds?: readonly OpenHold[];
  /** The wallet's currency when the command was decided (absent on records older than currencies: the default one). */
  currency?: string;
  /** A wallet command's note (freeze, unfreeze, close). */
  note?: string;
  /** The metadata an `open` gave its wallet. */
  metadata?: Record<string, string>;
}

export type TransactionRecord =
  | (RecordBase & { status: 'applied'; amount: Cents; newBalance: Cents; newHeld: Cents; version: number; hash?: string })
  /** A rejection of an existing user carries the user's state as it stood (for balances in time; never shown). */
  | (RecordBase & { status: 'rejected'; reason: StickyRejection; newBalance?: Cents; newHeld?: Cents });

export type AppliedRecord = Extract<TransactionRecord, { status: 'applied' }>;

export type Item = Record<string, unknown>;

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
  return { userId, balance: NumberValue.from(formatStored(balance)), version: 0, currency, status: 'active', createdAt: now, updatedAt: now };
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

/** The sum of the holds that still reserve money at `now` (epoch ms). */
export function heldAt(user: Pick<UserState, 'holds'>, now: number): Cents {
  let held = 0n;
  for (const hold of user.holds.values()) if (Date.parse(hold.expiresAt) > now) held += hold.amount;
  return held;
}

/** The holds open at `at` (epoch ms), soonest expiry first: what an entry decided then records. */
export function openHoldsAt(user: Pick<UserState, 'holds'>, at: number): OpenHold[] {
  return [...user.holds.values()].filter((hold) => Date.parse(hold.expiresAt) > at).sort((a, b) => (a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : 0));
}

export function holdsToItem(holds: ReadonlyMap<string, OpenHold>): Item {
  return Object.fromEntries([...holds].map(([key, hold]) => [key, { amount: NumberValue.from(formatStored(hold.amount)), expiresAt: hold.expiresAt }]));
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

const money$ = (amount: Cents) => NumberValue.from(formatStored(amount));

export function recordToItem(record: TransactionRecord): Item {
  const optional = {
    ...(record.amount !== undefined && { amount: money$(record.amount) }),
    ...(record.request !== undefined && { request: record.request }),
    ...(record.toUserId !== undefined && { toUserId: record.toUserId }),
    ...(record.holdKey !== undefined && { holdKey: record.holdKey }),
    ...(record.originalKey !== undefined && { originalKey: record.originalKey }),
    ...(record.originalType !== undefined && { originalType: record.originalType }),
    ...(record.expiresAt !== undefined && { expiresAt: record.expiresAt }),
    ...(record.legOf !== undefined && { legOf: record.legOf }),
    ...(record.counterpartyUserId !== undefined && { counterpartyUserId: record.counterpartyUserId }),
    ...(record.refVersion !== undefined && { refVersion: record.refVersion }),
    ...(record.closedBy !== undefined && { closedBy: record.closedBy }),
    ...(record.reversedAmount !== undefined && { reversedAmount: money$(record.reversedAmount) }),
    ...(record.openHolds !== undefined && record.openHolds.length > 0 && { openHolds: record.openHolds.map((hold) => ({ expiresAt: hold.expiresAt, amount: money$(hold.amount) })) }),
    ...(record.currency !== undefined && { currency: record.currency }),
    ...(record.note !== undefined && { note: record.note }),
    ...(record.metadata !== undefined && { metadata: record.metadata }),
  };
  const base = {
    idempotentKey: record.idempotentKey,
    transactionId: record.transactionId,
    userId: record.userId,
    type: record.type,
    status: record.status,
    timestamp: record.timestamp,
    ...optional,
  };
  return record.status === 'applied'
    ? { ...base, newBalance: money$(record.newBalance), newHeld: money$(record.newHeld), version: record.version, ...(record.hash && { [HASH_ATTRIBUTE]: record.hash }) }
    : {
        ...base,
        reason: record.reason,
        ...(record.newBalance !== undefined && { newBalance: money$(record.newBalance) }),
        ...(record.newHeld !== undefined && { newHeld: money$(record.newHeld) }),
      };
}

/** An applied record with its link in the user's hash chain: over the item as stored, after the user's previous entry. */
export function withChainHash(record: TransactionRecord, previousHash: string | undefined): TransactionRecord {
  if (record.status !== 'applied') return record;
  const { hash: _stale, ...unchained } = record;
  return { ...unchained, hash: entryHash(previousHash, recordToItem(unchained)) };
}

function transactionType(item: Item, field: string): TransactionType {
  const type = text(item, field);
  if (!(COMMAND_TYPES as readonly string[]).includes(type)) throw new CorruptItemError(`transaction ${String(item.idempotentKey)} has ${field} ${type}`);
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
    return { ...base, amount: base.amount, status, newBalance: money(item, 'newBalance'), newHeld, version: count(item, 'version'), ...(typeof hash === 'string' && { hash }) };
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
    if (!ISO_TIMESTAMP.test(expiresAt)) throw new CorruptItemError(`transaction ${String(item.idempotentKey)} has an open hold without a valid expiry`);
    return { amount: money(hold, 'amount'), expiresAt };
  });
}

function currencyOf(item: Item): string {
  const code = text(item, 'currency');
  if (!isCurrencyCode(code)) throw new CorruptItemError(`item attribute currency is not a known currency: ${JSON.stringify(code)}`);
  return code;
}

function walletStatusOf(item: Item): WalletStatus {
  const status = text(item, 'status');
  if (!(WALLET_STATUSES as readonly string[]).includes(status)) throw new CorruptItemError(`item attribute status is not a wallet status: ${JSON.stringify(status)}`);
  return status as WalletStatus;
}

function stringMap(item: Item, field: string): Record<string, string> {
  const value = item[field];
  if (typeof value !== 'object' || value === null || Object.values(value).some((member) => typeof member !== 'string')) throw new CorruptItemError(`item attribute ${field} is not a map of strings`);
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
