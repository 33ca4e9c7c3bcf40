import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADDED_SINCE_LIST, CURRENCY_CODES, exponentOf, isCurrencyCode, LIST_ONE_PUBLISHED } from '../../src/money/currencies.js';
import { UnknownCurrencyError } from '../../src/errors.js';

/** ISO 4217 List One as published (the standard's own XML, kept as a fixture: no network in tests). */
function listOne(): { published: string; minorUnits: Map<string, string> } {
  const xml = readFileSync(new URL('../fixtures/iso-4217-list-one.xml', import.meta.url), 'utf8');
  const published = /<ISO_4217 Pblshd="([0-9-]+)">/.exec(xml)?.[1] ?? '';
  const minorUnits = new Map<string, string>();
  for (const [, entry = ''] of xml.matchAll(/<CcyNtry>([\s\S]*?)<\/CcyNtry>/g)) {
    const code = /<Ccy>([A-Z]{3})<\/Ccy>/.exec(entry)?.[1];
    const units = /<CcyMnrUnts>([^<]*)<\/CcyMnrUnts>/.exec(entry)?.[1];
    if (code !== undefined && units !== undefined) minorUnits.set(code, units);
  }
  return { published, minorUnits };
}

describe('the currency table', () => {
  const standard = listOne();

  it('follows the List One publication it names', () => {
    expect(standard.published).toBe(LIST_ONE_PUBLISHED);
  });

  it('holds every List One currency with 0 to 3 minor-unit digits, with that exponent', () => {
    const expected = [...standard.minorUnits].filter(([, units]) => /^[0-3]$/.test(units));
    expect(expected.length).toBeGreaterThan(150);
    for (const [code, units] of expected) expect({ code, exponent: exponentOf(code) }).toEqual({ code, exponent: Number(units) });
  });

  it('holds nothing else but the amendments it names', () => {
    const fromList = CURRENCY_CODES.filter((code) => !(code in ADDED_SINCE_LIST));
    expect(fromList.filter((code) => !/^[0-3]$/.test(standard.minorUnits.get(code) ?? ''))).toEqual([]);
    for (const code of Object.keys(ADDED_SINCE_LIST)) expect(standard.minorUnits.has(code)).toBe(false);
  });

  it('leaves out the entries an amount of at most 3 fractional digits cannot hold, or that have no minor unit', () => {
    for (const code of ['CLF', 'UYW', 'XAU', 'XDR', 'XXX', 'XTS']) expect(isCurrencyCode(code)).toBe(false);
  });

  it('knows the classes the contract names', () => {
    expect([exponentOf('JPY'), exponentOf('USD'), exponentOf('EUR'), exponentOf('KWD')]).toEqual([0, 2, 2, 3]);
  });

  it('refuses an unknown or lower-case code with a typed error', () => {
    expect(() => exponentOf('usd')).toThrow(UnknownCurrencyError);
    expect(() => exponentOf('ABC')).toThrow(UnknownCurrencyError);
  });
});
