import { formatStored, type Cents } from '../money/money.js';
import type { TransactionType } from '../messages/command.js';
import type { StickyRejection } from '../messages/reply.js';
import { entryHash, HASH_ATTRIBUTE } from './chain.js';

/**
 * The ledger's state as the rules see it: users (wallets) and transaction
 * records, and the pure functions over them the decide step needs. No SDK
 * here: reading and writing these as DynamoDB items is item-codec.ts.
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

/** A stored item: its attributes by name. */
export type Item = Record<string, unknown>;

/** The sum of the holds that still reserve money at `now` (epoch ms). */
export function heldAt(user: Pick<UserState, 'holds'>, now: number): Cents {
  let held = 0n;
  for (const hold of user.holds.values()) if (Date.parse(hold.expiresAt) > now) held += hold.amount;
  return held;
}

/** The holds open at `at` (epoch ms), soonest expiry first: what an entry decided then records. */
export function openHoldsAt(user: Pick<UserState, 'holds'>, at: number): OpenHold[] {
  return [...user.holds.values()]
    .filter((hold) => Date.parse(hold.expiresAt) > at)
    .sort((a, b) => (a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : 0));
}

/**
 * The attributes a record is stored with, each amount written by `amount`:
 * the item codec passes the SDK's NumberValue, the hash chain the same
 * decimal text as a plain `{ value }` (chain.ts reads either as a number).
 */
export function recordAttributes(record: TransactionRecord, amount: (money: Cents) => unknown): Item {
  // Built by assignment rather than conditional spreads: this runs twice per
  // applied command (its hash, then its item), and the spreads were the
  // worker's costliest function of its own in a profile at saturation.
  const item: Item = {
    idempotentKey: record.idempotentKey,
    transactionId: record.transactionId,
    userId: record.userId,
    type: record.type,
    status: record.status,
    timestamp: record.timestamp,
  };
  if (record.amount !== undefined) item.amount = amount(record.amount);
  for (const name of STORED_AS_IS) {
    const value = record[name];
    if (value !== undefined) item[name] = value;
  }
  if (record.reversedAmount !== undefined) item.reversedAmount = amount(record.reversedAmount);
  if (record.openHolds !== undefined && record.openHolds.length > 0) {
    item.openHolds = record.openHolds.map((hold) => ({ expiresAt: hold.expiresAt, amount: amount(hold.amount) }));
  }
  if (record.status === 'applied') {
    item.newBalance = amount(record.newBalance);
    item.newHeld = amount(record.newHeld);
    item.version = record.version;
    if (record.hash) item[HASH_ATTRIBUTE] = record.hash;
  } else {
    item.reason = record.reason;
    if (record.newBalance !== undefined) item.newBalance = amount(record.newBalance);
    if (record.newHeld !== undefined) item.newHeld = amount(record.newHeld);
  }
  return item;
}

/** The optional record attributes stored as they are; the optional amounts (amount, reversedAmount, openHolds) go through `amount`. */
const STORED_AS_IS = [
  'request',
  'toUserId',
  'holdKey',
  'originalKey',
  'originalType',
  'expiresAt',
  'legOf',
  'counterpartyUserId',
  'refVersion',
  'closedBy',
  'currency',
  'note',
  'metadata',
] as const satisfies readonly (keyof TransactionRecord)[];

/** An amount as its stored decimal text, in the shape chain.ts hashes as a DynamoDB number. */
const storedText = (money: Cents) => ({ value: formatStored(money) });

/** An applied record with its link in the user's hash chain: over the item as stored, after the user's previous entry. */
export function withChainHash(record: TransactionRecord, previousHash: string | undefined): TransactionRecord {
  if (record.status !== 'applied') return record;
  // canonicalItem leaves any stale hash out of what it hashes.
  return { ...record, hash: entryHash(previousHash, recordAttributes(record, storedText)) };
}
