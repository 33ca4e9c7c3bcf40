import { describe, expect, it } from 'vitest';
import { InvalidMoneyError } from '../../src/errors.js';
import { formatMoney, formatStored, isRepresentable, parseAmount, parseStoredNumber } from '../../src/money/money.js';

describe('parseAmount (wire amounts)', () => {
  it.each([
    ['10', 10_000n],
    ['0.5', 500n],
    ['25.50', 25_500n],
    ['0.01', 10n],
    ['0.001', 1n],
    ['1.250', 1_250n],
    ['999999999999999.999', 999_999_999_999_999_999n],
  ])('reads %s as %d mills', (text, mills) => {
    expect(parseAmount(text)).toBe(mills);
  });

  it.each([
    '1e2',
    ' 5',
    '5 ',
    '5abc',
    '0.0001',
    '1.2345',
    '-1',
    '010',
    '0',
    '0.00',
    '0.000',
    '',
    '+5',
    '0x10',
    '1.',
    '.5',
    '1,5',
    '1000000000000000',
    'NaN',
    'Infinity',
    '١٢',
  ])('refuses %j', (text) => {
    expect(() => parseAmount(text)).toThrow(InvalidMoneyError);
  });
});

describe('parseStoredNumber (numbers read back from DynamoDB)', () => {
  it.each([
    ['0.30', 300n],
    ['0.3', 300n],
    ['74.5', 74_500n],
    ['100', 100_000n],
    ['-0.01', -10n],
    ['1.25', 1_250n],
    ['0.001', 1n],
    ['1E+2', 100_000n],
    ['1.5e1', 15_000n],
    ['2500e-2', 25_000n],
    ['12.3400', 12_340n],
    ['123456789012345678901234567890.123', 123456789012345678901234567890123n],
  ])('reads un-normalised %s as %d mills', (text, mills) => {
    expect(parseStoredNumber(text)).toBe(mills);
  });

  it.each(['0.0001', 'abc', '', '1e999'])('refuses %j', (text) => {
    expect(() => parseStoredNumber(text)).toThrow(InvalidMoneyError);
  });
});

describe('formatMoney (exactly the currency exponent)', () => {
  it.each([
    [0n, 2, '0.00'],
    [50n, 2, '0.05'],
    [300n, 2, '0.30'],
    [74_500n, 2, '74.50'],
    [-10n, 2, '-0.01'],
    [999_999_999_999_999_990n, 2, '999999999999999.99'],
    [1_000_000n, 0, '1000'],
    [0n, 0, '0'],
    [1_250n, 3, '1.250'],
    [0n, 3, '0.000'],
    [1n, 3, '0.001'],
  ] as const)('writes %d mills at exponent %d as %s', (mills, exponent, text) => {
    expect(formatMoney(mills, exponent)).toBe(text);
  });

  it('never rounds away what a currency cannot hold: "10.5" stays 10.5 at exponent 0', () => {
    expect(formatMoney(10_500n, 0)).toBe('10.5');
    expect(formatMoney(1_234n, 2)).toBe('1.234');
  });

  it('stores every amount exactly', () => {
    expect(formatStored(1n)).toBe('0.001');
    expect(parseStoredNumber(formatStored(-74_500n))).toBe(-74_500n);
  });

  it('adds 0.10 and 0.20 to exactly 0.30', () => {
    expect(formatMoney(parseAmount('0.10') + parseAmount('0.20'), 2)).toBe('0.30');
  });

  it('keeps every cent of 15-digit amounts', () => {
    const sum = parseAmount('999999999999999.99') + parseAmount('0.01');
    expect(formatMoney(sum, 2)).toBe('1000000000000000.00');
  });
});

describe('isRepresentable (what a currency can hold)', () => {
  it.each([
    ['10', 0, true],
    ['10.5', 0, false],
    ['1.23', 2, true],
    ['1.234', 2, false],
    ['1.234', 3, true],
    ['0.001', 3, true],
    ['0.001', 2, false],
  ] as const)('%s at exponent %d: %s', (text, exponent, representable) => {
    expect(isRepresentable(parseAmount(text), exponent)).toBe(representable);
  });
});
