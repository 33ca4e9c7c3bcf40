import { z } from 'zod';
import { isCurrencyCode } from '../money/currencies.js';
import { isWireAmountFormat } from '../money/money.js';

/** No C0/C1 control characters (which also excludes NUL, newlines and DEL). */
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

/**
 * Noncharacters (U+FFFE, U+FFFF, U+FDD0–U+FDEF, the last two of every plane)
 * and unpaired surrogates are not text: SQS refuses some of them in any
 * message, so a key or user id holding one could never be replied to.
 * (Astral characters are text and SQS carries them.)
 */
const NOT_TEXT = /[\p{Noncharacter_Code_Point}\p{Surrogate}]/u;

/** True when `value` is text a reply can carry back (no control characters, noncharacters or lone surrogates). */
export function isCarriableText(value: string): boolean {
  return NO_CONTROL_CHARACTERS.test(value) && !NOT_TEXT.test(value);
}

export function boundedText(field: string, max: number) {
  return z
    .string({ error: `${field} must be a string` })
    .refine((value) => [...value].length >= 1, { message: `${field} must not be empty` })
    .refine((value) => [...value].length <= max, { message: `${field} must be at most ${max} characters` })
    .refine((value) => NO_CONTROL_CHARACTERS.test(value), { message: `${field} must not contain control characters` })
    .refine((value) => !NOT_TEXT.test(value), {
      message: `${field} must not contain noncharacters (such as U+FFFE) or unpaired surrogates`,
    });
}

export const AmountSchema = z
  .string({ error: 'amount must be a decimal string' })
  .refine(isWireAmountFormat, {
    message:
      'amount must be plain digits with at most 3 fractional digits and 15 integer digits (no sign, exponent, spaces or leading zeros)',
  })
  .refine((value) => !isWireAmountFormat(value) || /[1-9]/.test(value), { message: 'amount must be greater than zero' });

/** An active ISO 4217 code the service knows (src/money/currencies.ts), upper case. */
export const CurrencySchema = z.string({ error: 'currency must be a string' }).refine(isCurrencyCode, {
  message: 'currency must be an active ISO 4217 code with at most 3 fractional digits, in upper case (e.g. "EUR")',
});

export const common = {
  idempotentKey: boundedText('idempotentKey', 255),
  /** The user whose money the command moves first: the payer, the holder, the owner of the original; for wallet commands, the wallet. */
  userId: boundedText('userId', 128),
};
