import { z } from 'zod';
import { TransactionTypeSchema } from './command.js';

/** The rejections recorded under the key (SPEC rule 3): every redelivery gets the same one back. */
export const STICKY_REJECTIONS = [
  'insufficient_funds',
  'user_not_found',
  'recipient_not_found',
  'hold_not_found',
  'hold_expired',
  'hold_closed',
  'amount_exceeds_hold',
  'hold_limit_reached',
  'original_not_found',
  'not_reversible',
  'amount_exceeds_reversible',
  'wallet_exists',
  'wallet_frozen',
  'wallet_closed',
  'recipient_closed',
  'wallet_not_empty',
  'currency_mismatch',
  'amount_not_representable',
] as const;
export type StickyRejection = (typeof STICKY_REJECTIONS)[number];

/** Plus the two that are never recorded: a command that is not valid, and a key used for another command. */
export const RejectionReasonSchema = z.enum([...STICKY_REJECTIONS, 'invalid_command', 'idempotency_key_reused']);

/** Major units with exactly the currency's exponent: "74.50" USD, "1000" JPY, "1.250" KWD. */
const DecimalString = z.string().regex(/^-?[0-9]+(\.[0-9]{1,3})?$/);

/** The body of a message on the reply queue (SPEC "Reply message"). */
export const ReplySchema = z.strictObject({
  idempotentKey: z.string(),
  userId: z.string().optional(),
  type: TransactionTypeSchema.optional(),
  amount: z.string().optional(),
  /** The wallet's currency (of a refusal that reveals nothing of the wallet: the one the command named, if any). */
  currency: z.string().optional(),
  toUserId: z.string().optional(),
  holdKey: z.string().optional(),
  originalKey: z.string().optional(),
  /** When an applied hold stops reserving money. */
  expiresAt: z.iso.datetime().optional(),
  status: z.enum(['applied', 'rejected']),
  reason: RejectionReasonSchema.optional(),
  issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  transactionId: z.string().optional(),
  /** Of `userId` only, right after the command (never another user's). */
  newBalance: DecimalString.optional(),
  available: DecimalString.optional(),
  processedAt: z.iso.datetime(),
  replayed: z.boolean(),
});

export type Reply = z.infer<typeof ReplySchema>;
export type RejectionReason = z.infer<typeof RejectionReasonSchema>;
