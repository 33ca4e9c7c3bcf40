import type { Cents } from '../money/money.js';

/**
 * How an applied entry of each type moves its user's posted balance, as the
 * audit replays it (SPEC rule 6). A type missing here is reported
 * (`unknown_type`) rather than guessed: a new record type must say its effect.
 */
export interface EntryFigures {
  type: string;
  amount?: Cents | undefined;
}

const EFFECTS: Record<string, (entry: EntryFigures) => Cents | undefined> = {
  credit: (entry) => entry.amount,
  debit: (entry) => (entry.amount === undefined ? undefined : -entry.amount),
};

/** The change of the balance this entry made, or undefined when the audit does not know its type. */
export function balanceEffect(entry: EntryFigures): Cents | undefined {
  return EFFECTS[entry.type]?.(entry);
}
