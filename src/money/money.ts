import { InvalidMoneyError } from '../errors.js';
import type { Exponent } from './currencies.js';

/**
 * Money is held as a bigint count of mills (thousandths of a major unit: the
 * finest minor unit of any currency a wallet can hold, KWD's fils) and
 * crosses every boundary (wire, DynamoDB) as a decimal string in major units.
 * One scale for every currency keeps amounts comparable before the wallet is
 * known (a command's fingerprint, the schema); what a currency can hold is
 * checked against its exponent (`isRepresentable`). No float ever touches an
 * amount or a balance.
 */
export type Mills = bigint;

export const MILLS_PER_UNIT = 1000n;

/** Wire amounts: plain digits, no sign, no leading zeros, at most 3 decimals, at most 15 integer digits. */
const WIRE_AMOUNT = /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,3})?$/;

/** DynamoDB numbers as the service returns them: possibly signed, un-normalised ("0.30"), or with an exponent. */
const STORED_NUMBER = /^(-)?([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

/** True when `text` is a valid wire amount (format only; zero is still refused by `parseAmount`). */
export function isWireAmountFormat(text: string): boolean {
  return WIRE_AMOUNT.test(text);
}

/** Parses a command amount; throws InvalidMoneyError unless it is a valid, positive wire amount. */
export function parseAmount(text: string): Mills {
  const match = WIRE_AMOUNT.exec(text);
  if (!match) throw new InvalidMoneyError(`not a plain decimal amount with at most 3 fractional digits: ${JSON.stringify(text)}`);
  const mills = toMills(match[1] ?? '0', (match[2] ?? '').slice(1));
  if (mills <= 0n) throw new InvalidMoneyError('amount must be greater than zero');
  return mills;
}

/** Parses a number read from DynamoDB ("0.30", "74.5", "1E+2"); refuses anything finer than a mill. */
export function parseStoredNumber(text: string): Mills {
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
  if (/[1-9]/.test(fraction.slice(3))) {
    throw new InvalidMoneyError(`more precise than a thousandth: ${JSON.stringify(text)}`);
  }
  const mills = toMills(whole, fraction.slice(0, 3));
  return sign === '-' ? -mills : mills;
}

/** True when `mills` is a whole number of the minor unit of a currency with this exponent ("10.5" is not a yen). */
export function isRepresentable(mills: Mills, exponent: Exponent): boolean {
  return mills % 10n ** BigInt(3 - exponent) === 0n;
}

/**
 * Formats mills as a major-unit decimal string with exactly `exponent`
 * fractional digits ("74.50" USD, "1000" JPY, "1.250" KWD). An amount finer
 * than the currency's minor unit (only a refused command names one) keeps
 * the digits it needs: money is never rounded away.
 */
export function formatMoney(mills: Mills, exponent: Exponent): string {
  const negative = mills < 0n;
  const magnitude = negative ? -mills : mills;
  const whole = (magnitude / MILLS_PER_UNIT).toString();
  let fraction = (magnitude % MILLS_PER_UNIT).toString().padStart(3, '0');
  while (fraction.length > exponent && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** The exact decimal text DynamoDB stores for an amount in major units (it normalises trailing zeros itself). */
export function formatStored(mills: Mills): string {
  return formatMoney(mills, 3);
}

function toMills(whole: string, fraction: string): Mills {
  return BigInt(whole) * MILLS_PER_UNIT + BigInt(fraction.padEnd(3, '0'));
}

/** The older name of `Mills` (amounts were hundredths before currencies with three digits). */
export type Cents = Mills;
