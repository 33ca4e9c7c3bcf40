import { describe, expect, it } from 'vitest';
import { InvalidMoneyError } from '../../src/errors.js';
import { formatCents, parseAmount, parseStoredNumber } from '../../src/money/money.js';

describe('parseAmount (wire amounts)', () => {
  it.each([
    ['10', 1000n],
    ['0.5', 50n],
    ['25.50', 2550n],
    ['0.01', 1n],
    ['999999999999999.99', 99999999999999999n],
  ])('reads %s as %d cents', (text, cents) => {
    expect(parseAmount(text)).toBe(cents);
  });

  it.each(['1e2', ' 5', '5 ', '5abc', '0.001', '-1', '010', '0', '0.00', '', '+5', '0x10', '1.', '.5', '1,5', '1000000000000000', 'NaN', 'Infinity', '١٢'])(
    'refuses %j',
    (text) => {
      expect(() => parseAmount(text)).toThrow(InvalidMoneyError);
    },
  );
});

describe('parseStoredNumber (numbers read back from DynamoDB)', () => {
  it.each([
    ['0.30', 30n],
    ['0.3', 30n],
    ['74.5', 7450n],
    ['100', 10000n],
    ['-0.01', -1n],
    ['1E+2', 10000n],
    ['1.5e1', 1500n],
    ['2500e-2', 2500n],
    ['12.3400', 1234n],
    ['123456789012345678901234567890.12', 12345678901234567890123456789012n],
  ])('reads un-normalised %s as %d cents', (text, cents) => {
    expect(parseStoredNumber(text)).toBe(cents);
  });

  it.each(['0.001', 'abc', '', '1e999'])('refuses %j', (text) => {
    expect(() => parseStoredNumber(text)).toThrow(InvalidMoneyError);
  });
});

describe('formatCents', () => {
  it.each([
    [0n, '0.00'],
    [5n, '0.05'],
    [30n, '0.30'],
    [7450n, '74.50'],
    [-1n, '-0.01'],
    [99999999999999999n, '999999999999999.99'],
  ])('writes %d cents as %s', (cents, text) => {
    expect(formatCents(cents)).toBe(text);
  });

  it('adds 0.10 and 0.20 to exactly 0.30', () => {
    expect(formatCents(parseAmount('0.10') + parseAmount('0.20'))).toBe('0.30');
  });

  it('keeps every cent of 15-digit amounts', () => {
    const sum = parseAmount('999999999999999.99') + parseAmount('0.01');
    expect(formatCents(sum)).toBe('1000000000000000.00');
  });
});
