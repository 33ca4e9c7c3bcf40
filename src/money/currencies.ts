import { UnknownCurrencyError } from '../errors.js';

/**
 * The currencies a wallet can hold: every entry of ISO 4217 List One whose
 * minor unit is 0 to 3 digits, with that exponent (JPY 0, USD 2, KWD 3).
 * Kept here as data, not fetched and not taken from a package, so the set the
 * ledger accepts changes only with a reviewed commit; a unit test compares it
 * with the standard's list (test/fixtures/iso-4217-list-one.xml) and names
 * every difference below. docs/currencies.md says why and how to update it.
 *
 * Left out on purpose: the entries without a minor unit ("N.A.": precious
 * metals, SDR, bond-market units, XTS and XXX), and the two units of account
 * with four (CLF, UYW), which an amount of at most 3 fractional digits
 * cannot hold.
 */
export type Exponent = 0 | 1 | 2 | 3;

/** The List One publication the table follows, and what changed in the standard since. */
export const LIST_ONE_PUBLISHED = '2024-06-25';
/** Added after that publication: the Caribbean guilder (Curaçao and Sint Maarten, from 2025-03-31). */
export const ADDED_SINCE_LIST: Readonly<Record<string, Exponent>> = { XCG: 2 };

// No active currency has a one-digit minor unit.
const CODES_BY_EXPONENT: Readonly<Record<0 | 2 | 3, string>> = {
  0: 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF',
  2:
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW ' +
    'CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ' +
    'ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR ' +
    'MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN ' +
    'SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD YER ZAR ZMW ZWG',
  3: 'BHD IQD JOD KWD LYD OMR TND',
};

const EXPONENTS: ReadonlyMap<string, Exponent> = new Map([
  ...Object.entries(CODES_BY_EXPONENT).flatMap(([exponent, codes]) =>
    codes
      .split(' ')
      .filter(Boolean)
      .map((code): [string, Exponent] => [code, Number(exponent) as Exponent]),
  ),
  ...Object.entries(ADDED_SINCE_LIST),
]);

/** Every code the table knows, sorted. */
export const CURRENCY_CODES: readonly string[] = [...EXPONENTS.keys()].sort();

export function isCurrencyCode(code: string): boolean {
  return EXPONENTS.has(code);
}

/** The number of fractional digits of `code`'s minor unit; throws for a code the table does not know. */
export function exponentOf(code: string): Exponent {
  const exponent = EXPONENTS.get(code);
  if (exponent === undefined) throw new UnknownCurrencyError(code);
  return exponent;
}
