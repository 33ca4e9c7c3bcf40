import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidMoneyError } from '../../src/errors.js';
import { formatMoney, formatStored, isRepresentable, parseAmount, parseStoredNumber } from '../../src/money/money.js';
import { validAmount } from '../support/bad-commands.js';

const runs = { numRuns: 500, seed: 20261124 };
/** Mills that format to a valid wire amount: one mill up to 15 integer digits. */
const wireMills = fc.bigInt({ min: 1n, max: 10n ** 18n - 1n });
const anyMills = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n });

/**
 * Schoolbook addition of non-negative decimal strings, digit by digit: a
 * reference that shares no code (and no bigint) with src/money.
 */
function referenceAdd(a: string, b: string): string {
  const [aWhole = '', aFraction = ''] = a.split('.');
  const [bWhole = '', bFraction = ''] = b.split('.');
  const width = Math.max(aWhole.length, bWhole.length);
  const left = aWhole.padStart(width, '0') + aFraction.padEnd(3, '0');
  const right = bWhole.padStart(width, '0') + bFraction.padEnd(3, '0');
  let carry = 0;
  let digits = '';
  for (let index = left.length - 1; index >= 0; index--) {
    const sum = Number(left[index]) + Number(right[index]) + carry;
    digits = String(sum % 10) + digits;
    carry = sum >= 10 ? 1 : 0;
  }
  if (carry) digits = `1${digits}`;
  const whole = digits.slice(0, -3).replace(/^0+(?=\d)/, '');
  return `${whole}.${digits.slice(-3)}`;
}

describe('money properties', () => {
  it('round-trips cents through the wire format', () => {
    fc.assert(
      fc.property(wireMills, (cents) => {
        expect(parseAmount(formatStored(cents))).toBe(cents);
      }),
      runs,
    );
  });

  it('formats a parsed amount as the same value with exactly three decimals', () => {
    fc.assert(
      fc.property(validAmount, (amount) => {
        const formatted = formatStored(parseAmount(amount));
        expect(formatted).toMatch(/^\d+\.\d{3}$/);
        expect(referenceAdd(amount, '0')).toBe(formatted);
      }),
      runs,
    );
  });

  it('reads back what DynamoDB may return for any balance: normalised, padded or with an exponent', () => {
    fc.assert(
      fc.property(anyMills, fc.integer({ min: 0, max: 20 }), (cents, shift) => {
        const negative = cents < 0n;
        const digits = (negative ? -cents : cents).toString();
        const sign = negative ? '-' : '';
        expect(parseStoredNumber(formatStored(cents))).toBe(cents);
        expect(parseStoredNumber(`${sign}${digits}e-3`)).toBe(cents);
        expect(parseStoredNumber(`${sign}${digits}${'0'.repeat(shift)}E-${shift + 3}`)).toBe(cents);
        expect(parseStoredNumber(`${formatStored(cents)}${'0'.repeat(shift)}`)).toBe(cents);
      }),
      runs,
    );
  });

  it('treats negative zero as zero and never prints "-0.000"', () => {
    for (const text of ['-0', '-0.00', '-0e5', '0E-10', '-000.000']) {
      expect(parseStoredNumber(text)).toBe(0n);
      expect(formatStored(parseStoredNumber(text))).toBe('0.000');
    }
  });

  it('adds exactly like a schoolbook adder, and addition is associative', () => {
    fc.assert(
      fc.property(validAmount, validAmount, validAmount, (a, b, c) => {
        const [x, y, z] = [parseAmount(a), parseAmount(b), parseAmount(c)];
        expect(formatStored(x + y)).toBe(referenceAdd(a, b));
        expect(formatStored(x + y + z)).toBe(formatStored(x + (y + z)));
        expect(formatStored(x + y + z)).toBe(referenceAdd(referenceAdd(a, b), c));
      }),
      runs,
    );
  });

  it('refuses any string that is not a valid amount with an InvalidMoneyError, never another error', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (text) => {
        try {
          parseAmount(text);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidMoneyError);
        }
      }),
      runs,
    );
  });

  it('refuses stored numbers finer than a mill, whatever their spelling', () => {
    fc.assert(
      fc.property(anyMills, fc.integer({ min: 1, max: 9 }), (cents, extra) => {
        expect(() => parseStoredNumber(`${formatStored(cents)}${extra}`)).toThrow(InvalidMoneyError);
      }),
      runs,
    );
  });

  it('formats with exactly the exponent every amount the currency can hold, and reads it back', () => {
    fc.assert(
      fc.property(wireMills, fc.constantFrom(0 as const, 2 as const, 3 as const), (mills, exponent) => {
        const unit = 10n ** BigInt(3 - exponent);
        const held = (mills / unit) * unit || unit;
        expect(isRepresentable(held, exponent)).toBe(true);
        const text = formatMoney(held, exponent);
        expect(text.split('.')[1]?.length ?? 0).toBe(exponent);
        expect(parseAmount(text)).toBe(held);
      }),
      runs,
    );
  });
});
