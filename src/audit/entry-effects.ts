import { COMMAND_TYPES, type TransactionType } from '../messages/command.js';
import { balanceEffect as recordEffect } from '../ledger/effects.js';
import type { Cents } from '../money/money.js';

/**
 * How an applied entry moves its user's posted balance, as the audit replays
 * it (SPEC rule 6): the ledger's own definition (src/ledger/effects.ts). A
 * type this code does not know is reported (`unknown_type`) rather than guessed.
 */
export interface EntryFigures {
  type: string;
  amount?: Cents | undefined;
  legOf?: string | undefined;
  originalType?: string | undefined;
}

const isType = (type: string | undefined): type is TransactionType => (COMMAND_TYPES as readonly (string | undefined)[]).includes(type);

/** The change of the balance this entry made, or undefined when the audit does not know its type. */
export function balanceEffect(entry: EntryFigures): Cents | undefined {
  if (!isType(entry.type) || entry.amount === undefined) return undefined;
  if (entry.type === 'reverse' && !isType(entry.originalType)) return undefined;
  return recordEffect({
    type: entry.type,
    amount: entry.amount,
    legOf: entry.legOf,
    originalType: isType(entry.originalType) ? entry.originalType : undefined,
  });
}
