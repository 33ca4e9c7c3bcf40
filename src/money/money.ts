import { InvalidMoneyError } from '../errors.js';

/**
 * Money is held as a bigint count of cents (minor units) and crosses every
 * boundary (wire, DynamoDB) as a decimal string in major units. No float ever
 * touches an amount or a balance.
 */
export type Cents = bigint;

/** Wire amounts: plain digits, no sign, no leading zeros, at most 2 decimals, at most 15 integer digits. */
const WIRE_AMOUNT = /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$/;

/** DynamoDB numbers as the service returns them: possibly signed, un-normalised ("0.30"), or with an exponent. */
const STORED_NUMBER = /^(-)?([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

/** True when `text` is a valid wire amount (format only; zero is still refused by `parseAmount`). */
export function isWireAmountFormat(text: string): boolean {
  return WIRE_AMOUNT.test(text);
}

/** Parses a command amount; throws InvalidMoneyError unless it is a valid, positive wire amount. */
export function parseAmount(text: string): Cents {
  const match = WIRE_AMOUNT.exec(text);
  if (!match) throw new InvalidMoneyError(`not a plain decimal amount with at most 2 fractional digits: ${JSON.stringify(text)}`);
  const cents = toCents(match[1] ?? '0', (match[2] ?? '').slice(1));
  if (cents <= 0n) throw new InvalidMoneyError('amount must be greater than zero');
  return cents;
}

/** Parses a number read from DynamoDB ("0.30", "74.5", "1E+2"); refuses anything finer than a cent. */
export function parseStoredNumber(text: string): Cents {
  const match = STORED_NUMBER.exec(text.trim());
  if (!match) throw new InvalidMoneyError(`not a number: ${JSON.stringify(text)}`);
  const [, sign, integerPart = '0', fractionPart = '', exponentText] = match;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 64) {
    throw new InvalidMoneyError(`exponent out of range: ${JSON.stringify(text)}`);
  }
  // Shift the decimal point by the exponent on the digit string itself, exactly.
  let digits = integerPart + fractionPart;
  let pointAt = integerPart.length + exponent;
  if (pointAt < 0) {
    digits = '0'.repeat(-pointAt) + digits;
    pointAt = 0;
  }
  if (pointAt > digits.length) digits = digits + '0'.repeat(pointAt - digits.length);
  const whole = digits.slice(0, pointAt) || '0';
  const fraction = digits.slice(pointAt);
  if (/[1-9]/.test(fraction.slice(2))) {
    throw new InvalidMoneyError(`more precise than a cent: ${JSON.stringify(text)}`);
  }
  const cents = toCents(whole, fraction.slice(0, 2));
  return sign === '-' ? -cents : cents;
}

/** Formats cents as a major-unit decimal string with exactly two fractional digits ("74.50"). */
export function formatCents(cents: Cents): string {
  const negative = cents < 0n;
  const magnitude = negative ? -cents : cents;
  const whole = magnitude / 100n;
  const fraction = (magnitude % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${whole.toString()}.${fraction}`;
}

function toCents(whole: string, fraction: string): Cents {
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}
