import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidMoneyError } from '../../src/errors.js';
import { formatCents, parseAmount, parseStoredNumber } from '../../src/money/money.js';
import { validAmount } from '../support/bad-commands.js';

const runs = { numRuns: 500, seed: 20261124 };
/** Cents that format to a valid wire amount: one cent up to 15 integer digits. */
const wireCents = fc.bigInt({ min: 1n, max: 10n ** 17n - 1n });
const anyCents = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n });

/**
 * Schoolbook addition of non-negative decimal strings, digit by digit: a
 * reference that shares no code (and no bigint) with src/money.
 */
function referenceAdd(a: string, b: string): string {
  const [aWhole = '', aFraction = ''] = a.split('.');
  const [bWhole = '', bFraction = ''] = b.split('.');
  const width = Math.max(aWhole.length, bWhole.length);
  const left = aWhole.padStart(width, '0') + aFraction.padEnd(2, '0');
  const right = bWhole.padStart(width, '0') + bFraction.padEnd(2, '0');
  let carry = 0;
  let digits = '';
  for (let index = left.length - 1; index >= 0; index--) {
    const sum = Number(left[index]) + Number(right[index]) + carry;
    digits = String(sum % 10) + digits;
    carry = sum >= 10 ? 1 : 0;
  }
  if (carry) digits = `1${digits}`;
  const whole = digits.slice(0, -2).replace(/^0+(?=\d)/, '');
  return `${whole}.${digits.slice(-2)}`;
}

describe('money properties', () => {
  it('round-trips cents through the wire format', () => {
    fc.assert(
      fc.property(wireCents, (cents) => {
        expect(parseAmount(formatCents(cents))).toBe(cents);
      }),
      runs,
    );
  });

  it('formats a parsed amount as the same value with exactly two decimals', () => {
    fc.assert(
      fc.property(validAmount, (amount) => {
        const formatted = formatCents(parseAmount(amount));
        expect(formatted).toMatch(/^\d+\.\d{2}$/);
        expect(referenceAdd(amount, '0')).toBe(formatted);
      }),
      runs,
    );
  });

  it('reads back what DynamoDB may return for any balance: normalised, padded or with an exponent', () => {
    fc.assert(
      fc.property(anyCents, fc.integer({ min: 0, max: 20 }), (cents, shift) => {
        const negative = cents < 0n;
        const digits = (negative ? -cents : cents).toString();
        const sign = negative ? '-' : '';
        expect(parseStoredNumber(formatCents(cents))).toBe(cents);
        expect(parseStoredNumber(`${sign}${digits}e-2`)).toBe(cents);
        expect(parseStoredNumber(`${sign}${digits}${'0'.repeat(shift)}E-${shift + 2}`)).toBe(cents);
        expect(parseStoredNumber(`${formatCents(cents)}${'0'.repeat(shift)}`)).toBe(cents);
      }),
      runs,
    );
  });

  it('treats negative zero as zero and never prints "-0.00"', () => {
    for (const text of ['-0', '-0.00', '-0e5', '0E-10', '-000.000']) {
      expect(parseStoredNumber(text)).toBe(0n);
      expect(formatCents(parseStoredNumber(text))).toBe('0.00');
    }
  });

  it('adds exactly like a schoolbook adder, and addition is associative', () => {
    fc.assert(
      fc.property(validAmount, validAmount, validAmount, (a, b, c) => {
        const [x, y, z] = [parseAmount(a), parseAmount(b), parseAmount(c)];
        expect(formatCents(x + y)).toBe(referenceAdd(a, b));
        expect(formatCents(x + y + z)).toBe(formatCents(x + (y + z)));
        expect(formatCents(x + y + z)).toBe(referenceAdd(referenceAdd(a, b), c));
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

  it('refuses stored numbers finer than a cent, whatever their spelling', () => {
    fc.assert(
      fc.property(anyCents, fc.integer({ min: 1, max: 9 }), (cents, extra) => {
        expect(() => parseStoredNumber(`${formatCents(cents)}${extra}`)).toThrow(InvalidMoneyError);
      }),
      runs,
    );
  });
});
