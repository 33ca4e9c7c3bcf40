/**
 * What one TransactWriteItems may hold, and the one function that says
 * whether more fits: rounds are planned with it and written in chunks
 * checked by it, so a round never makes a transaction DynamoDB refuses.
 * Pure: no I/O.
 */

/** DynamoDB's limit on actions per TransactWriteItems. */
export const MAX_TRANSACT_ACTIONS = 100;

/**
 * DynamoDB refuses a transaction whose items add up to more than 4 MB. Bytes
 * are counted as the JSON of each action (larger than DynamoDB's own count
 * of names and values), against 4,000,000 rather than 4 MiB: a margin, not a
 * second limit.
 */
export const MAX_TRANSACT_BYTES = 4_000_000;

export interface Cost {
  actions: number;
  bytes: number;
}

export interface TransactLimits {
  maxActions: number;
  maxBytes: number;
}

export const NO_COST: Cost = { actions: 0, bytes: 0 };

export function addCost(a: Cost, b: Cost): Cost {
  return { actions: a.actions + b.actions, bytes: a.bytes + b.bytes };
}

/** The budget function: whether `cost` stays within one transaction. */
export function fitsOne(cost: Cost, limits: TransactLimits): boolean {
  return cost.actions <= limits.maxActions && cost.bytes <= limits.maxBytes;
}

/** The size of an action as it is sent: its JSON, in UTF-8 bytes. */
export function actionBytes(action: unknown): number {
  return Buffer.byteLength(JSON.stringify(action), 'utf8');
}

/** Roughly what a user's Update carries beyond its holds (names, balance, version, times, chain hash). */
const USER_BASE_BYTES = 600;
/** What one hold adds to a user's item beyond its key: amount, expiry and the map's punctuation. */
export const HOLD_ENTRY_BYTES = 96;
/** What a transaction record carries beyond the command's own text (status, times, balances, hash, ids). */
const RECORD_BASE_BYTES = 1_200;

/** An upper bound of the bytes of a user's Update, from the state read (its holds dominate). */
export function userBytes(holdKeys: Iterable<string>): number {
  let bytes = USER_BASE_BYTES;
  for (const key of holdKeys) bytes += Buffer.byteLength(key, 'utf8') + HOLD_ENTRY_BYTES;
  return bytes;
}

/** An upper bound of the bytes of one record Put of a command: its fields, and its fingerprint (the command again). */
export function recordBytes(commandText: string): number {
  return RECORD_BASE_BYTES + 2 * Buffer.byteLength(commandText, 'utf8');
}
