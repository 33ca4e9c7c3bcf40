import { z } from 'zod';
import { BeforeWalletOpenedError, InvalidRequestError } from '../errors.js';
import { balanceEffect } from '../ledger/effects.js';
import type { AppliedRecord, Item } from '../ledger/model.js';
import { recordFromItem } from '../ledger/item-codec.js';
import { shownReference } from '../ledger/legs.js';
import type { Cents } from '../money/money.js';
import type { QueryDeps } from './balance.js';
import { formatMoney, stateAt } from './balance-at.js';
import { cutBefore, parseInstant, period as periodRange } from './instants.js';
import { entryPages, readWallet } from './ledger-reads.js';
import {
  DEFAULT_STATEMENT_LIMIT,
  parseQueryInput,
  StatementPeriodSchema,
  StatementRequestSchema,
  type Statement,
  type StatementEntry,
  type StatementPeriod,
  type StatementRequest,
} from './statement-schemas.js';

/**
 * Statements (SPEC "Balances in time and statements"): the applied entries
 * decided in [from, to), oldest first, between the balance before the period
 * and the balance after it. Read as a stream of events, a DynamoDB page at a
 * time, so a period of any length is never held in memory: the CLI and the
 * CSV write each event as it comes; getStatement keeps one page of entries.
 */
export type StatementEvent =
  | { kind: 'opening'; userId: string; currency: string; from: string; to: string; openingBalance: string }
  | { kind: 'entry'; entry: StatementEntry }
  | { kind: 'closing'; closingBalance: string; totalIn: string; totalOut: string };

/** Items per DynamoDB Query while streaming. */
export const STREAM_PAGE_SIZE = 100;

export async function* streamStatement(
  deps: QueryDeps,
  input: StatementPeriod,
  { pageSize = STREAM_PAGE_SIZE } = {},
): AsyncGenerator<StatementEvent> {
  const period = parseQueryInput(StatementPeriodSchema, input);
  const from = parseInstant(period.from);
  const to = parseInstant(period.to);
  const wallet = await readWallet(deps, period.userId);
  // A period wholly before the wallet has nothing to state; one that starts before it opens on what it began with.
  if (wallet.createdAtMs !== undefined && to.ms <= wallet.createdAtMs) throw new BeforeWalletOpenedError(wallet.userId, to.text);
  const money = (amount: Cents) => formatMoney(wallet.currency, amount);
  // The state after everything decided before `from` (getBalanceAt of the millisecond before it).
  const opening = await stateAt(deps, wallet, cutBefore(from), 'opening');
  yield {
    kind: 'opening',
    userId: wallet.userId,
    currency: wallet.currency,
    from: from.text,
    to: to.text,
    openingBalance: money(opening.balance),
  };

  let closing = opening.balance;
  let totalIn = 0n;
  let totalOut = 0n;
  for await (const items of entryPages(deps, wallet.userId, periodRange(from, to), { newestFirst: false, only: 'applied', pageSize })) {
    for (const item of items) {
      const record = appliedRecord(item);
      const effect = balanceEffect(record);
      if (effect > 0n) totalIn += effect;
      else totalOut -= effect;
      // The entry's own newBalance, not a running sum: the identity opening + in - out = closing is the ledger's (rule 6).
      closing = record.newBalance;
      yield { kind: 'entry', entry: toStatementEntry(record, effect, money) };
    }
  }
  yield { kind: 'closing', closingBalance: money(closing), totalIn: money(totalIn), totalOut: money(totalOut) };
}

/**
 * One page of a statement: the whole period's figures, and up to `limit`
 * entries after the cursor. The figures cover the whole period, so each page
 * reads the period through (a page at a time); only its own entries are kept.
 */
export async function getStatement(deps: QueryDeps, input: StatementRequest): Promise<Statement> {
  const { userId, from, to, limit = DEFAULT_STATEMENT_LIMIT, cursor } = parseQueryInput(StatementRequestSchema, input);
  const after = cursor === undefined ? undefined : decodeCursor(cursor, { userId, from, to });
  let opening: OpeningEvent | undefined;
  let closing: ClosingEvent | undefined;
  const entries: StatementEntry[] = [];
  let hasMore = false;
  for await (const event of streamStatement(deps, { userId, from, to })) {
    if (event.kind === 'opening') opening = event;
    else if (event.kind === 'closing') closing = event;
    else if (after !== undefined && event.entry.timestamp <= after) continue;
    else if (entries.length < limit) entries.push(event.entry);
    else hasMore = true;
  }
  if (!opening || !closing) throw new Error('statement: the stream ended without its opening or closing');
  const { kind: _opening, ...header } = opening;
  const { kind: _closing, ...figures } = closing;
  const last = entries.at(-1);
  return {
    ...header,
    ...figures,
    entries,
    ...(hasMore && last && { nextCursor: encodeCursor({ userId, from, to, after: last.timestamp }) }),
  };
}

type OpeningEvent = Extract<StatementEvent, { kind: 'opening' }>;
type ClosingEvent = Extract<StatementEvent, { kind: 'closing' }>;

function appliedRecord(item: Item): AppliedRecord {
  const record = recordFromItem(item);
  if (record.status !== 'applied') throw new Error('statement: the applied-only query returned a rejection');
  return record;
}

function toStatementEntry(record: AppliedRecord, effect: Cents, money: (amount: Cents) => string): StatementEntry {
  const isLeg = record.legOf !== undefined;
  return {
    // The other party's entry of a transfer shows a reference of its own, nothing of the payer's key (as history).
    idempotentKey: shownReference(record),
    transactionId: record.transactionId,
    type: record.type,
    timestamp: record.timestamp,
    amount: money(record.amount),
    moneyIn: money(effect > 0n ? effect : 0n),
    moneyOut: money(effect < 0n ? -effect : 0n),
    newBalance: money(record.newBalance),
    ...(!isLeg && record.toUserId !== undefined && { toUserId: record.toUserId }),
    ...(isLeg && record.counterpartyUserId !== undefined && { counterpartyUserId: record.counterpartyUserId }),
  };
}

/** A cursor names the last entry shown (its decision time, unique per wallet) and the statement it belongs to. */
const CursorSchema = z.strictObject({ userId: z.string(), from: z.string(), to: z.string(), after: z.string().min(1).max(64) });
type Cursor = z.infer<typeof CursorSchema>;

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string, statement: Omit<Cursor, 'after'>): string {
  try {
    const cursor = CursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    const same =
      cursor.userId === statement.userId &&
      parseInstant(cursor.from).text === parseInstant(statement.from).text &&
      parseInstant(cursor.to).text === parseInstant(statement.to).text;
    if (same) return cursor.after;
  } catch {
    // fall through to the typed error below
  }
  throw new InvalidRequestError('cursor is not one returned for this statement', [{ path: 'cursor', message: 'invalid' }]);
}
