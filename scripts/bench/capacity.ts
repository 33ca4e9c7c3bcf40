/**
 * DynamoDB item sizes and write capacity, computed from the items a run
 * actually writes (pure; test/unit pins it down). The rules, from the
 * DynamoDB developer guide ("Item sizes and formats", "Capacity unit
 * consumption"): an item's size is the sum over its attributes of the name's
 * UTF-8 length plus the value's size (string: UTF-8 bytes; number: ~1 byte
 * per 2 significant digits + 1; binary: bytes; boolean/null: 1; list/map: 3
 * + 1 per element + the elements); a write costs 1 WCU per started KB of
 * the item, and a write inside TransactWriteItems costs twice that.
 */

/** A marshalled DynamoDB attribute value, as it travels in a request. */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: Uint8Array }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: Uint8Array[] };

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** Size of a number: its significant digits, two per byte, plus one byte (and one for a sign). */
export function numberSize(text: string): number {
  const negative = text.trim().startsWith('-');
  const digits = text
    .replace(/[^0-9]/g, '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1 + (negative ? 1 : 0);
}

export function attributeValueSize(value: AttributeValue): number {
  if ('S' in value) return utf8(value.S);
  if ('N' in value) return numberSize(value.N);
  if ('B' in value) return value.B.length;
  if ('BOOL' in value || 'NULL' in value) return 1;
  if ('SS' in value) return value.SS.reduce((sum, text) => sum + utf8(text), 0);
  if ('NS' in value) return value.NS.reduce((sum, text) => sum + numberSize(text), 0);
  if ('BS' in value) return value.BS.reduce((sum, bytes) => sum + bytes.length, 0);
  if ('L' in value) return 3 + value.L.reduce((sum, element) => sum + 1 + attributeValueSize(element), 0);
  return 3 + Object.entries(value.M).reduce((sum, [name, element]) => sum + 1 + utf8(name) + attributeValueSize(element), 0);
}

/** Size in bytes of a marshalled item (attribute names included). */
export function itemSize(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + attributeValueSize(value), 0);
}

/** WCU of writing an item of `bytes`: 1 per started KB, doubled inside a transaction. */
export function writeUnits(bytes: number, { transactional }: { transactional: boolean }): number {
  return Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);
}

/** What a run's TransactWriteItems wrote, accumulated request by request. */
export interface TransactWrites {
  transactions: number;
  /** Record Puts (one per command written). */
  puts: number;
  putBytes: number;
  maxPutBytes: number;
  /** Transactional WCU of the Puts, each at its own size. */
  putUnits: number;
  /** Updates and ConditionChecks of user items. */
  userWrites: number;
}

export function emptyTransactWrites(): TransactWrites {
  return { transactions: 0, puts: 0, putBytes: 0, maxPutBytes: 0, putUnits: 0, userWrites: 0 };
}

/** Adds one TransactWriteItems request (marshalled TransactItems) to the tally. */
export function addTransactWrite(tally: TransactWrites, actions: readonly Record<string, unknown>[]): void {
  tally.transactions++;
  for (const action of actions) {
    const put = action.Put as { Item?: Record<string, AttributeValue> } | undefined;
    if (put?.Item) {
      const bytes = itemSize(put.Item);
      tally.puts++;
      tally.putBytes += bytes;
      tally.maxPutBytes = Math.max(tally.maxPutBytes, bytes);
      tally.putUnits += writeUnits(bytes, { transactional: true });
    } else if (action.Update || action.ConditionCheck) {
      tally.userWrites++;
    }
  }
}

/**
 * Transactional WCU of a run: every Put at its own size, every user write
 * (Update or ConditionCheck, counted as a write to stay on the safe side) at
 * the size of the user item as stored after the run (an Update costs the
 * larger of the item before and after; both are in the same KB here).
 */
export function transactWriteUnits(writes: Pick<TransactWrites, 'putUnits' | 'userWrites'>, userItemBytes: number): number {
  return writes.putUnits + writes.userWrites * writeUnits(userItemBytes, { transactional: true });
}
