import { z } from 'zod';
import { WALLET_STATUSES } from '../ledger/model.js';
import { TransactionTypeSchema } from '../messages/command.js';
import { STICKY_REJECTIONS } from '../messages/reply.js';
import { CloseSchema, OpenSchema } from '../messages/wallet-commands.js';

/**
 * The one definition of what the query module answers: a balance, a history
 * entry, a page of history (balance-at and statements: statement-schemas.ts).
 * The library's types are inferred from them, and the gateway's OpenAPI
 * document is generated from them, so neither can describe a shape the
 * code does not send. Objects are closed (`additionalProperties: false` in
 * the document): a field added to an answer must be added here.
 */

/** Major units with exactly the currency's exponent: "74.50" USD, "1000" JPY, "1.250" KWD. */
export const MoneyTextSchema = z
  .string()
  .regex(/^-?[0-9]+(\.[0-9]{1,3})?$/)
  .describe("Decimal string with exactly the exponent of the wallet's currency");

const CurrencyCodeSchema = z
  .string()
  .regex(/^[A-Z]{3}$/)
  .describe('ISO 4217 code of the wallet');

export const WalletStatusSchema = z
  .enum(WALLET_STATUSES)
  .describe("active; frozen (refuses what takes money out on its holder's behalf); closed (for good)");

export const BalanceSchema = z.object({
  userId: z.string(),
  currency: CurrencyCodeSchema,
  status: WalletStatusSchema,
  balance: MoneyTextSchema.describe('The posted balance'),
  available: MoneyTextSchema.describe('The balance less the open, unexpired holds: what debits, transfers and holds may use'),
  held: MoneyTextSchema.describe('The sum of the open, unexpired holds'),
});

/** What every entry has, applied or rejected; which optional fields appear depends on its type. */
const EntryFields = {
  idempotentKey: z
    .string()
    .describe(
      "The command's key; on the other party's entry of a transfer or reversed transfer, a reference of its own (never the payer's key)",
    ),
  transactionId: z.string(),
  userId: z.string().describe("The user whose entry this is (on a transfer's second entry: the recipient)"),
  type: TransactionTypeSchema,
  currency: CurrencyCodeSchema,
  amount: MoneyTextSchema.optional().describe(
    'What the command named or moved (absent on a release, and on a capture or reversal of "all of it" that was refused)',
  ),
  toUserId: z.string().optional().describe('transfer: the recipient'),
  holdKey: z.string().optional().describe('capture, release: the hold acted on'),
  originalKey: z.string().optional().describe('reverse: the command reversed'),
  expiresAt: z.iso.datetime().optional().describe('hold: when it stops reserving money'),
  counterpartyUserId: z.string().optional().describe("On the other party's entry of a two-user command: whose command it was"),
  metadata: OpenSchema.shape.metadata.describe('open: what the wallet was opened with'),
  note: CloseSchema.shape.note.describe('freeze, unfreeze, close: the note sent with it'),
  timestamp: z.iso.datetime().describe('When it was decided (ISO 8601; strictly increasing per wallet)'),
};

/** Never present on this kind of entry (declared so a reader of either kind may ask for it: `entry.newBalance` is undefined on a rejection). */
const Absent = z.never().optional();

export const AppliedEntrySchema = z.object({
  ...EntryFields,
  status: z.literal('applied'),
  newBalance: MoneyTextSchema.describe("This user's posted balance right after the entry"),
  available: MoneyTextSchema.describe("This user's available money right after the entry"),
  reason: Absent,
});

export const RejectedEntrySchema = z.object({
  ...EntryFields,
  status: z.literal('rejected'),
  reason: z.enum(STICKY_REJECTIONS),
  newBalance: Absent,
  available: Absent,
});

export const HistoryEntrySchema = z.discriminatedUnion('status', [AppliedEntrySchema, RejectedEntrySchema]);

export const HistoryPageSchema = z.object({
  items: z.array(HistoryEntrySchema).describe('Newest first'),
  nextCursor: z.string().optional().describe('Pass back as `cursor` for the next (older) page; absent on the last page'),
});

export type Balance = z.infer<typeof BalanceSchema>;
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;
export type HistoryPage = z.infer<typeof HistoryPageSchema>;
