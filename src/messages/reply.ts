import { z } from 'zod';
import { TransactionTypeSchema } from './command.js';

export const RejectionReasonSchema = z.enum([
  'insufficient_funds',
  'user_not_found',
  'invalid_command',
  'idempotency_key_reused',
]);

const DecimalString = z.string().regex(/^-?[0-9]+\.[0-9]{2}$/);

/** The body of a message on the reply queue (SPEC "Reply message"). */
export const ReplySchema = z.strictObject({
  idempotentKey: z.string(),
  userId: z.string().optional(),
  type: TransactionTypeSchema.optional(),
  amount: z.string().optional(),
  status: z.enum(['applied', 'rejected']),
  reason: RejectionReasonSchema.optional(),
  issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  transactionId: z.string().optional(),
  newBalance: DecimalString.optional(),
  processedAt: z.iso.datetime(),
  replayed: z.boolean(),
});

export type Reply = z.infer<typeof ReplySchema>;
export type RejectionReason = z.infer<typeof RejectionReasonSchema>;
