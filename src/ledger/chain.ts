import { createHash } from 'node:crypto';

/**
 * The per-user hash chain of applied ledger entries (SPEC "Ledger audit").
 *
 * Each applied Transactions item stores `hash` = sha256 over the canonical
 * encoding of every stored attribute except `hash` itself (and the bookkeeping
 * later commands add, below), followed by the
 * hash of the same user's previous applied entry ("" for the first). The
 * user item stores `chainHash`, the hash of its last applied entry. Changing
 * an entry breaks its own hash; removing or inserting one breaks the link of
 * the entry after it; the user's `chainHash` pins the end of the chain.
 *
 * The encoding is generic over attributes, so record types added later are
 * covered without a change here. It is canonical: keys sorted, every value
 * tagged with its DynamoDB type, numbers written the way DynamoDB normalises
 * them ("10.00" and "10" are one number), so the hash of an item as written
 * equals the hash of the same item read back.
 *
 * Pure: no I/O, no clock. A writer that decides several commands of one user
 * in one write chains them in order: h1 = entryHash(user.chainHash, item1),
 * h2 = entryHash(h1, item2), ..., and stores the last as the user's chainHash.
 */
export const HASH_ATTRIBUTE = 'hash';
export const CHAIN_HEAD_ATTRIBUTE = 'chainHash';

/**
 * Bookkeeping later commands write on an entry they refer to (a hold closed
 * by its capture, the amount of an original reversed so far). It is not the
 * entry's content: the entries that changed it (the capture, the reversal)
 * are themselves chained, and the audit's replay checks what they did.
 */
const BOOKKEEPING_ATTRIBUTES = ['refVersion', 'closedBy', 'reversedAmount'];

export function entryHash(previousHash: string | undefined, entryItem: Record<string, unknown>): string {
  return createHash('sha256')
    .update(canonicalItem(entryItem))
    .update('\n')
    .update(previousHash ?? '')
    .digest('hex');
}

/** Top-level attributes that are not an entry's content. */
const NOT_CONTENT: ReadonlySet<string> = new Set([HASH_ATTRIBUTE, ...BOOKKEEPING_ATTRIBUTES]);

/** The canonical text of an item, without its `hash` attribute and later bookkeeping. */
export function canonicalItem(item: Record<string, unknown>): string {
  return encodeMap(item, NOT_CONTENT);
}

/**
 * A map: members sorted by key (UTF-16 code units, as `<` compares), undefined
 * members and `skip`ped keys left out. A loop over sorted keys rather than
 * entries filtered, sorted and mapped: this runs for every applied command.
 */
function encodeMap(value: Record<string, unknown>, skip?: ReadonlySet<string>): string {
  let text = 'M{';
  let separator = '';
  for (const key of Object.keys(value).sort()) {
    const member = value[key];
    if (member === undefined || skip?.has(key)) continue;
    text += `${separator}${JSON.stringify(key)}:${encode(member)}`;
    separator = ',';
  }
  return `${text}}`;
}

function encode(value: unknown): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return `S${JSON.stringify(value)}`;
  if (typeof value === 'boolean') return value ? 'BOOL1' : 'BOOL0';
  if (typeof value === 'number' || typeof value === 'bigint') return `N${canonicalNumber(String(value))}`;
  if (value instanceof Uint8Array) return `B${Buffer.from(value).toString('base64')}`;
  if (isNumberValue(value)) return `N${canonicalNumber(value.value)}`;
  if (Array.isArray(value)) return `L[${value.map(encode).join(',')}]`;
  if (value instanceof Set) {
    // Sets have no order: sort the encoded members.
    return `SET[${[...value].map(encode).sort().join(',')}]`;
  }
  if (typeof value === 'object') return encodeMap(value as Record<string, unknown>);
  throw new TypeError(`cannot hash a value of type ${typeof value}`);
}

function isNumberValue(value: unknown): value is { value: string } {
  return typeof value === 'object' && value !== null && 'value' in value && typeof (value as { value: unknown }).value === 'string';
}

const CANONICAL_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/;

/**
 * A decimal number as DynamoDB returns it: no exponent, no leading zeros, no
 * trailing fractional zeros, no "+" and no "-0".
 */
export function canonicalNumber(text: string): string {
  // Most numbers hashed are already canonical (amounts as stored, versions): returned as they are, without the parse.
  if (CANONICAL_NUMBER.test(text) && text !== '-0') return text;
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) throw new TypeError(`not a number: ${JSON.stringify(text)}`);
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = match;
  let digits = `${whole}${fraction}`;
  let point = whole.length + Number(exponentText);
  // Pad so the decimal point falls inside the digits.
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  const integer = digits.slice(0, point).replace(/^0+/, '') || '0';
  const decimals = digits.slice(point).replace(/0+$/, '');
  const magnitude = decimals ? `${integer}.${decimals}` : integer;
  return sign === '-' && magnitude !== '0' ? `-${magnitude}` : magnitude;
}
