import { entryHash, HASH_ATTRIBUTE } from '../ledger/chain.js';
import { parseStoredNumber, type Cents } from '../money/money.js';

/**
 * What the audit keeps of one Transactions item: the figures it replays and
 * the verdict of its hash, computed as the item streams past, so a user's
 * items themselves are never held (only these few fields).
 */
export interface EntryFacts {
  idempotentKey: string;
  status: string;
  type: string;
  amount?: Cents;
  /** Set on the other party's entry of a transfer or reversed transfer. */
  legOf?: string;
  /** On a reversal: the type of what it reversed. */
  originalType?: string;
  /** What `held` replays from: a hold's expiry, the hold a capture or release closes, and when the entry was decided. */
  expiresAt?: string;
  holdKey?: string;
  timestamp?: string;
  newBalance?: Cents;
  newHeld?: Cents;
  /** The wallet's currency as the entry records it (absent on entries older than currencies). */
  currency?: string;
  /** The holds open right after the entry, as it records them (amounts and expiries). */
  openHolds?: { amount: Cents; expiresAt: string }[];
  version?: number;
  hash?: string;
  /** The stored hash matches the content and the previous chained entry's hash. */
  linksToPrevious?: boolean;
  /** It matches the content and the hash of the chained entry before the previous one: that one was inserted. */
  linksToOneBefore?: boolean;
  /** Why the item could not be read as an entry. */
  unreadable?: string;
}

/** Turns a user's items, in ledger order, into facts; remembers the last two chained hashes. */
export class ChainWalker {
  /** Hashes of the last chained entries seen; `undefined` is the start of the chain. */
  private previous: (string | undefined)[] = [undefined];

  next(item: Record<string, unknown>): EntryFacts {
    const facts = readFacts(item);
    if (facts.unreadable || facts.status !== 'applied' || facts.hash === undefined) return facts;
    const [oneBefore, last] = this.previous.length >= 2 ? this.previous.slice(-2) : [null, this.previous[0]];
    facts.linksToPrevious = entryHash(last, item) === facts.hash;
    facts.linksToOneBefore = oneBefore !== null && entryHash(oneBefore, item) === facts.hash;
    this.previous = [last, facts.hash];
    return facts;
  }
}

function readFacts(item: Record<string, unknown>): EntryFacts {
  const idempotentKey = typeof item.idempotentKey === 'string' ? item.idempotentKey : String(item.idempotentKey);
  const status = typeof item.status === 'string' ? item.status : '';
  const type = typeof item.type === 'string' ? item.type : '';
  const facts: EntryFacts = { idempotentKey, status, type };
  try {
    if (status !== 'applied' && status !== 'rejected') throw new Error(`status is ${JSON.stringify(item.status)}`);
    if (typeof item.timestamp === 'string') facts.timestamp = item.timestamp;
    if (item.openHolds !== undefined) facts.openHolds = openHolds(item.openHolds);
    if (status === 'rejected') {
      // A rejection of an existing wallet records its state as it stood (entries older than that record none).
      if (item.newBalance !== undefined) facts.newBalance = money(item.newBalance, 'newBalance');
      if (item.newHeld !== undefined) facts.newHeld = money(item.newHeld, 'newHeld');
      return facts;
    }
    facts.amount = money(item.amount, 'amount');
    if (typeof item.legOf === 'string') facts.legOf = item.legOf;
    if (typeof item.originalType === 'string') facts.originalType = item.originalType;
    if (typeof item.expiresAt === 'string') facts.expiresAt = item.expiresAt;
    if (typeof item.holdKey === 'string') facts.holdKey = item.holdKey;
    if (typeof item.currency === 'string') facts.currency = item.currency;
    facts.newBalance = money(item.newBalance, 'newBalance');
    if (item.newHeld !== undefined) facts.newHeld = money(item.newHeld, 'newHeld');
    const version = Number(numberText(item.version, 'version'));
    if (!Number.isSafeInteger(version) || version < 1) throw new Error(`version is ${String(version)}`);
    facts.version = version;
    const hash = item[HASH_ATTRIBUTE];
    if (hash !== undefined) {
      if (typeof hash !== 'string') throw new Error('hash is not a string');
      facts.hash = hash;
    }
  } catch (error) {
    facts.unreadable = error instanceof Error ? error.message : String(error);
  }
  return facts;
}

function openHolds(value: unknown): { amount: Cents; expiresAt: string }[] {
  if (!Array.isArray(value)) throw new Error('openHolds is not a list');
  return value.map((hold: unknown) => {
    const { amount, expiresAt } = (hold ?? {}) as Record<string, unknown>;
    if (typeof expiresAt !== 'string') throw new Error('an open hold has no expiry');
    return { amount: money(amount, 'openHolds amount'), expiresAt };
  });
}

export function numberText(value: unknown, field: string): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null && 'value' in value && typeof value.value === 'string') return value.value;
  throw new Error(`${field} is not a number`);
}

export function money(value: unknown, field: string): Cents {
  try {
    return parseStoredNumber(numberText(value, field));
  } catch {
    throw new Error(`${field} is not an amount of money`);
  }
}
