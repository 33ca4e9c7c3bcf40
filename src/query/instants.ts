/**
 * Instants as bounds on the history index's sort key (`timestamp`), per the
 * ledger's time format (docs/design.md, "Time and order"): a wallet's entries are
 * `…SS.mmmtttZ`, where ttt orders the wallet's decisions within one
 * millisecond, or, written before that, `…SS.mmmZ`. For every stored
 * timestamp of millisecond m, prefix(m) < timestamp < prefix(m + 1), where
 * prefix(m) is `…SS.mmm` (never stored itself).
 *
 * An instant with at most 3 fractional digits has millisecond resolution:
 * "at or before it" takes in every decision of its millisecond. An instant
 * with 6 (an entry's own timestamp) is a point in the ledger's order: "at or
 * before it" ends with exactly that entry.
 */
export interface Instant {
  /** Its millisecond (holds expire, wallets open, on this clock). */
  ms: number;
  /** The within-millisecond ordinal (3 digits), when the instant was given with 6 fractional digits. */
  ordinal?: string;
  /** As the service writes it: UTC, `Z`, 3 (or 6) fractional digits. */
  text: string;
}

/** Bounds on the sort key, each inclusive or exclusive, as one key condition can use them. */
export interface KeyRange {
  /** Inclusive lower and upper bounds (together: BETWEEN). */
  from?: string;
  through?: string;
  /** Exclusive bounds, each alone. */
  above?: string;
  below?: string;
}

/** A point in a wallet's ledger: the entries before it and those after it. */
export interface Cut {
  before: KeyRange;
  after: KeyRange;
  /** The millisecond the state is judged at (which holds still reserve money). */
  ms: number;
}

const prefix = (ms: number) => new Date(ms).toISOString().slice(0, 23);

/** An instant the schemas accepted (ISO 8601 with a zone, 0-3 or 6 fractional digits). */
export function parseInstant(text: string): Instant {
  const ms = Date.parse(text);
  const ordinal = /\.\d{3}(\d{3})(?:Z|[+-])/i.exec(text)?.[1];
  return ordinal === undefined ? { ms, text: new Date(ms).toISOString() } : { ms, ordinal, text: `${prefix(ms)}${ordinal}Z` };
}

/** Just after everything decided at or before `instant`. */
export function cutAfter(instant: Instant): Cut {
  if (instant.ordinal !== undefined) return { before: { through: instant.text }, after: { above: instant.text }, ms: instant.ms };
  const next = prefix(instant.ms + 1);
  return { before: { below: next }, after: { above: next }, ms: instant.ms };
}

/** Just before everything decided at or after `instant`. */
export function cutBefore(instant: Instant): Cut {
  if (instant.ordinal !== undefined) return { before: { below: instant.text }, after: { from: instant.text }, ms: instant.ms };
  const start = prefix(instant.ms);
  return { before: { below: start }, after: { above: start }, ms: instant.ms - 1 };
}

/** The entries decided in [from, to). */
export function period(from: Instant, to: Instant): KeyRange {
  return { from: from.ordinal === undefined ? prefix(from.ms) : from.text, through: lastKeyBefore(to) };
}

/** The greatest bound below `instant` that no entry at or after it reaches (inclusive, for BETWEEN). */
function lastKeyBefore(instant: Instant): string {
  const ordinal = Number(instant.ordinal ?? 0);
  // The ordinal before, if any; else the millisecond's prefix (below all of its entries, never stored).
  return ordinal > 0 ? `${prefix(instant.ms)}${String(ordinal - 1).padStart(3, '0')}Z` : prefix(instant.ms);
}
