/**
 * Decision times (docs/design.md "Time and order"). A wallet's entries are
 * stamped `YYYY-MM-DDTHH:MM:SS.mmmtttZ`: the millisecond of the deciding
 * worker's wall clock, then a tiebreak `ttt`, the n-th decision of that
 * wallet in that millisecond. Per wallet the stamps strictly increase and
 * their string order is the ledger order, so the history index (sorted on
 * it) answers "the state at instant t" with one query.
 *
 * The clock is never pushed forward to make room for a decision: a wallet
 * decided again in the same millisecond takes the next tiebreak. Stamps
 * written before the tiebreak existed (`…mmmZ`) sort after every tiebreak of
 * their millisecond, so the next one after them starts the next millisecond.
 */

/** The only shapes this service writes: with a tiebreak, or (older entries) without. */
const DECISION_TIME = /^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3})([0-9]{3})?Z$/;

const LAST_TIEBREAK = 999;

/**
 * A stored time further ahead than any sane clock skew was not written by a
 * worker deciding (another tool, a sentinel): it is ignored rather than
 * followed out of the ISO range.
 */
export const MAX_CLOCK_AHEAD_MS = 24 * 3600 * 1000;

export interface DecisionInstant {
  /** Epoch milliseconds. */
  ms: number;
  /** 0–999; a stamp without a tiebreak counts as after all of them (1000). */
  tiebreak: number;
}

export function parseDecisionTime(text: string): DecisionInstant | undefined {
  const match = DECISION_TIME.exec(text);
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}Z`);
  if (!Number.isFinite(ms)) return undefined;
  return { ms, tiebreak: match[2] === undefined ? LAST_TIEBREAK + 1 : Number(match[2]) };
}

export function formatDecisionTime({ ms, tiebreak }: DecisionInstant): string {
  return `${new Date(ms).toISOString().slice(0, 23)}${String(tiebreak).padStart(3, '0')}Z`;
}

export function isDecisionTime(text: string): boolean {
  return parseDecisionTime(text) !== undefined;
}

/**
 * The time of a wallet's next decision, given its last one and the clock
 * (epoch ms): the clock's millisecond when the last decision is older;
 * otherwise the last one's millisecond with the next tiebreak (the clock of
 * the worker that decided it was ahead of this one, or the wallet is hot).
 * Only after 1,000 decisions of one wallet in one millisecond, or after a
 * stamp without tiebreak, does it move to the next millisecond.
 */
export function nextDecisionTime(lastDecidedAt: string | undefined, now: number): string {
  const clock = Math.floor(now);
  const last = lastDecidedAt === undefined ? undefined : parseDecisionTime(lastDecidedAt);
  if (!last || last.ms < clock || last.ms > clock + MAX_CLOCK_AHEAD_MS) return formatDecisionTime({ ms: clock, tiebreak: 0 });
  return formatDecisionTime(
    last.tiebreak < LAST_TIEBREAK ? { ms: last.ms, tiebreak: last.tiebreak + 1 } : { ms: last.ms + 1, tiebreak: 0 },
  );
}
