import { BeforeWalletOpenedError } from '../errors.js';
import { balanceEffect } from '../ledger/effects.js';
import type { TransactionRecord } from '../ledger/model.js';
import { recordFromItem } from '../ledger/item-codec.js';
import { exponentOf } from '../money/currencies.js';
import { formatMoney as formatMills, type Cents } from '../money/money.js';
import type { QueryDeps } from './balance.js';
import { cutAfter, parseInstant, type Cut } from './instants.js';
import { entryPages, firstEntry, readWallet, type WalletFacts } from './ledger-reads.js';
import { BalanceAtRequestSchema, parseQueryInput, type BalanceAt } from './statement-schemas.js';

/**
 * A wallet's balance as it stood at an instant (SPEC "Balances in time and
 * statements"). Every entry stores the wallet's state right after it
 * (`newBalance`, and `openHolds`: the holds open then, with their expiries),
 * so the state at `at` is read from ONE entry: the last one decided at or
 * before `at`, found by one Query on the history index (newest first, Limit 1).
 */

/** How a wallet stood: posted balance and what holds reserved. */
export interface WalletState {
  balance: Cents;
  held: Cents;
}

/** What to answer for an instant before the wallet existed: the typed error, or the balance it began with. */
export type BeforeOpen = 'error' | 'opening';

/** The amounts in the wallet's currency, as the service writes them. */
export function formatMoney(currency: string, amount: Cents): string {
  return formatMills(amount, exponentOf(currency));
}

export async function getBalanceAt(deps: QueryDeps, input: { userId: string; at: string }): Promise<BalanceAt> {
  const { userId, at } = parseQueryInput(BalanceAtRequestSchema, input);
  const instant = parseInstant(at);
  const wallet = await readWallet(deps, userId);
  const { balance, held } = await stateAt(deps, wallet, cutAfter(instant), 'error');
  const money = (amount: Cents) => formatMoney(wallet.currency, amount);
  return {
    userId,
    currency: wallet.currency,
    at: instant.text,
    balance: money(balance),
    held: money(held),
    available: money(balance - held),
  };
}

/** The wallet's state at a cut in its ledger: after the entries before it, its holds judged at the cut's millisecond. */
export async function stateAt(deps: QueryDeps, wallet: WalletFacts, cut: Cut, beforeOpen: BeforeOpen): Promise<WalletState> {
  // Legacy rejections record no state: the filter skips them (new entries all carry newBalance, so one item is read).
  const lastItem = await firstEntry(
    entryPages(deps, wallet.userId, cut.before, { newestFirst: true, only: 'stateful', firstPageSize: 1, pageSize: 100 }),
  );
  const last = lastItem && recordFromItem(lastItem);
  if (last?.newBalance !== undefined) return { balance: last.newBalance, held: heldAt(last, cut.ms) };

  // No entry yet at `atMs`. Before the wallet's creation there is nothing to show; a wallet never
  // written to has had its balance since; otherwise it had the balance its first entry started from.
  const firstItem = await firstEntry(
    entryPages(deps, wallet.userId, cut.after, { newestFirst: false, only: 'stateful', firstPageSize: 1, pageSize: 100 }),
  );
  const first = firstItem && recordFromItem(firstItem);
  const existed = wallet.createdAtMs === undefined ? first === undefined : wallet.createdAtMs <= cut.ms;
  if (!existed && beforeOpen === 'error') throw new BeforeWalletOpenedError(wallet.userId, new Date(cut.ms).toISOString());
  if (!first) return { balance: wallet.balance, held: 0n };
  return { balance: balanceBefore(first), held: 0n };
}

/** The balance right before an entry: what it left, less what it moved (a rejection moved nothing). */
function balanceBefore(record: TransactionRecord): Cents {
  if (record.status === 'applied') return record.newBalance - balanceEffect(record);
  return record.newBalance ?? 0n;
}

/** Entries written before every entry recorded its open holds have a millisecond time (`…SS.mmmZ`, no tiebreak). */
const LEGACY_TIMESTAMP = /\.\d{3}Z$/;

/**
 * What the holds open after an entry still reserved at `atMs`: those whose
 * expiry is later. A legacy entry (no `openHolds`) can only say what was held
 * at its own time (`newHeld`); a newer one without `openHolds` left none open.
 */
export function heldAt(record: TransactionRecord, atMs: number): Cents {
  if (record.openHolds !== undefined) {
    return record.openHolds.reduce((held, hold) => (Date.parse(hold.expiresAt) > atMs ? held + hold.amount : held), 0n);
  }
  return LEGACY_TIMESTAMP.test(record.timestamp) ? (record.newHeld ?? 0n) : 0n;
}
