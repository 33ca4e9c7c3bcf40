import { z } from 'zod';
import { boundedText, common, CurrencySchema, isCarriableText } from './fields.js';

/**
 * The commands that open a wallet and change its state (SPEC "Wallets:
 * opening, freezing, closing; currencies"). They travel on the same queue,
 * under the same idempotency, as the money movements.
 */

export const MAX_METADATA_PAIRS = 16;
export const MAX_METADATA_BYTES = 2048;
export const MAX_NOTE_CHARACTERS = 256;

const metadataBytes = (metadata: Record<string, string>) =>
  Object.entries(metadata).reduce((sum, [key, value]) => sum + Buffer.byteLength(key, 'utf8') + Buffer.byteLength(value, 'utf8'), 0);

/** string → string, at most 16 pairs and 2 KiB of keys and values (UTF-8), text a reply and DynamoDB can carry. */
export const MetadataSchema = z
  .record(
    boundedText('metadata key', 128),
    z
      .string({ error: 'metadata values must be strings' })
      .refine(isCarriableText, { message: 'metadata values must not contain control characters or noncharacters' }),
    { error: 'metadata must be an object of strings' },
  )
  .refine((metadata) => Object.keys(metadata).length <= MAX_METADATA_PAIRS, {
    message: `metadata must have at most ${MAX_METADATA_PAIRS} pairs`,
  })
  .refine((metadata) => metadataBytes(metadata) <= MAX_METADATA_BYTES, {
    message: `metadata must be at most ${MAX_METADATA_BYTES} bytes of keys and values in all`,
  });

const note = boundedText('note', MAX_NOTE_CHARACTERS).optional();

export const OpenSchema = z.strictObject({
  ...common,
  type: z.literal('open'),
  currency: CurrencySchema,
  metadata: MetadataSchema.optional(),
});
export const FreezeSchema = z.strictObject({ ...common, type: z.literal('freeze'), note });
export const UnfreezeSchema = z.strictObject({ ...common, type: z.literal('unfreeze'), note });
export const CloseSchema = z.strictObject({ ...common, type: z.literal('close'), note });

export const WALLET_COMMAND_TYPES = ['open', 'freeze', 'unfreeze', 'close'] as const;
export type WalletCommandType = (typeof WALLET_COMMAND_TYPES)[number];

export function isWalletCommandType(type: string): type is WalletCommandType {
  return (WALLET_COMMAND_TYPES as readonly string[]).includes(type);
}
