import { NumberValue } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditUser, type StoredUser } from '../../src/audit/audit-user.js';
import { ChainWalker } from '../../src/audit/entry-facts.js';
import { canonicalItem, canonicalNumber, entryHash } from '../../src/ledger/chain.js';
import { recordToItem } from '../../src/ledger/item-codec.js';
import { withChainHash, type TransactionRecord } from '../../src/ledger/model.js';

const item = (overrides: Record<string, unknown> = {}) => ({
  idempotentKey: 'k1',
  transactionId: 't1',
  userId: 'u1',
  type: 'credit',
  amount: NumberValue.from('10.00'),
  status: 'applied',
  timestamp: '2026-11-25T10:00:00.000Z',
  newBalance: NumberValue.from('110.00'),
  version: 1,
  ...overrides,
});

describe('the ledger hash chain', () => {
  it('writes numbers the way DynamoDB returns them', () => {
    expect(['10.00', '10', '010.0', '1e1', '+10', '100e-1'].map(canonicalNumber)).toEqual(Array(6).fill('10'));
    expect(['-0', '0.000', '-0.00', '00', '-00.0'].map(canonicalNumber)).toEqual(['0', '0', '0', '0', '0']);
    expect(['010', '1.0', '-01.50', '7.'].map(canonicalNumber)).toEqual(['10', '1', '-1.5', '7']);
    expect(['0.5', '.50', '-25.50', '1.5E-3', '123456789012345.67'].map(canonicalNumber)).toEqual([
      '0.5',
      '0.5',
      '-25.5',
      '0.0015',
      '123456789012345.67',
    ]);
  });

  it('gives a canonical number back as it is, and any number the same text as its canonical form does', () => {
    const numberText = fc.tuple(
      fc.constantFrom('', '+', '-'),
      fc.stringMatching(/^\d{0,6}$/),
      fc.option(fc.stringMatching(/^\d{0,6}$/)),
      fc.option(fc.integer({ min: -8, max: 8 })),
    );
    fc.assert(
      fc.property(numberText, ([sign, whole, fraction, exponent]) => {
        const text = `${sign}${whole}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : `e${exponent}`}`;
        if (whole === '' && (fraction ?? '') === '') return;
        const canonical = canonicalNumber(text);
        // No sign but a minus (and none on zero), no exponent, no leading or trailing zeros.
        expect(canonical).toMatch(/^(?!-0$)-?(0|[1-9]\d*)(\.\d*[1-9])?$/);
        expect(canonicalNumber(canonical)).toBe(canonical);
        expect(Number(canonical)).toBe(Number(text) === 0 ? 0 : Number(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('hashes an item as written and the same item read back alike, whatever the attribute order', () => {
    const written = item();
    const numbersAsRead = item({ amount: NumberValue.from('10'), newBalance: NumberValue.from('110'), version: NumberValue.from('1') });
    const readBack = { ...Object.fromEntries(Object.entries(numbersAsRead).reverse()), hash: 'ignored' };
    expect(canonicalItem(readBack)).toBe(canonicalItem(written));
    expect(entryHash('prev', readBack)).toBe(entryHash('prev', written));
  });

  it('covers every attribute, attributes of record types added later included, and the previous hash', () => {
    const base = entryHash(undefined, item());
    expect(entryHash('x', item())).not.toBe(base);
    expect(entryHash(undefined, item({ newBalance: NumberValue.from('110.01') }))).not.toBe(base);
    expect(entryHash(undefined, item({ toUserId: 'u2' }))).not.toBe(base);
    expect(entryHash(undefined, item({ meta: { a: [1, 'b', true, null] } }))).not.toBe(
      entryHash(undefined, item({ meta: { a: [1, 'b', false, null] } })),
    );
    expect(entryHash(undefined, item())).toMatch(/^[0-9a-f]{64}$/);
  });

  it('chains a record (in the pure model) over the very item the codec writes for it', () => {
    const record: TransactionRecord = {
      idempotentKey: 'k2',
      transactionId: 't2',
      userId: 'u1',
      type: 'reverse',
      status: 'applied',
      timestamp: '2026-11-25T10:00:00.000Z',
      amount: 10_500n,
      newBalance: 110_250n,
      newHeld: 1_000n,
      version: 2,
      originalKey: 'k1',
      originalType: 'debit',
      reversedAmount: 10_500n,
      openHolds: [{ amount: 1_000n, expiresAt: '2026-11-25T11:00:00.000Z' }],
      currency: 'USD',
    };
    const chained = withChainHash(record, 'prev');
    expect(chained.status === 'applied' && chained.hash).toBe(entryHash('prev', recordToItem(record)));
    expect(recordToItem(chained).hash).toBe(entryHash('prev', recordToItem(chained)));
  });
});

describe('the audit of one user', () => {
  /** A consistent chained ledger of credits/debits from 100. */
  function ledger(amounts: number[]) {
    let balance = 10000;
    let previous: string | undefined;
    return amounts.map((cents, index) => {
      balance += cents;
      const entry = item({
        idempotentKey: `k${index + 1}`,
        type: cents > 0 ? 'credit' : 'debit',
        amount: NumberValue.from((Math.abs(cents) / 100).toFixed(2)),
        newBalance: NumberValue.from((balance / 100).toFixed(2)),
        version: index + 1,
      });
      const hash = entryHash(previous, entry);
      previous = hash;
      return { ...entry, hash } as Record<string, unknown>;
    });
  }
  const run = (items: Record<string, unknown>[], user: Partial<StoredUser> = {}) => {
    const walker = new ChainWalker();
    const last = items.at(-1);
    const stored: StoredUser = {
      userId: 'u1',
      balance: BigInt(Math.round(Number((last!.newBalance as NumberValue).value) * 1000)),
      version: items.length,
      chainHash: last?.hash as string,
      ...user,
    };
    return auditUser(
      stored,
      items.map((each) => walker.next(each)),
    )
      .discrepancies.map((found) => `${found.kind} ${found.idempotentKey ?? '-'}`)
      .sort();
  };

  it('finds nothing in a consistent ledger', () => {
    expect(run(ledger([1000, -500, 250, -125]))).toEqual([]);
  });

  it("blames a changed first entry's newBalance on that entry only", () => {
    const items = ledger([1000, -500, 250]);
    items[0] = { ...items[0], newBalance: NumberValue.from('500') };
    expect(run(items, { balance: 107_500n })).toEqual(['entry_changed k1', 'new_balance k1']);
  });

  it("blames a changed last entry's newBalance on that entry, not on the stored balance", () => {
    const items = ledger([1000, -500, 250]);
    items[2] = { ...items[2], newBalance: NumberValue.from('1.00') };
    expect(run(items, { balance: 107_500n })).toEqual(['entry_changed k3', 'new_balance k3']);
  });

  it('reports a chainHash on the user that is not its last entry', () => {
    expect(run(ledger([1000]), { chainHash: 'other' })).toEqual(['chain_head k1']);
  });

  it('reports a type it cannot replay instead of guessing', () => {
    const items = ledger([1000, -500]);
    const walker = new ChainWalker();
    const odd = { ...items[1], type: 'teleport' };
    const facts = [walker.next(items[0] ?? {}), walker.next(odd)];
    expect(
      auditUser({ userId: 'u1', balance: 105_000n, version: 2, chainHash: items[1]?.hash as string }, facts)
        .discrepancies.map((found) => found.kind)
        .sort(),
    ).toEqual(['entry_changed', 'unknown_type']);
  });
});
