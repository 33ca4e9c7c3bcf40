import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATEMENT_CSV_COLUMNS } from '../../src/query/statement-csv.js';
import type { Wallet } from '../../src/wallet.js';
import { runScript } from '../support/child-process.js';
import { createUserAt } from '../support/statement-helpers.js';
import { createTestWallet, envFor, uniqueKey } from '../support/wallet.js';

let wallet: Wallet;
let env: Record<string, string>;
let userId: string;
const from = new Date(Date.now() - 1_800_000).toISOString();
let to: string;

beforeAll(async () => {
  wallet = await createTestWallet();
  env = envFor(wallet, { LOG_LEVEL: 'warn' });
  userId = await createUserAt(wallet, '20');
  await wallet.transact({ idempotentKey: uniqueKey('c'), userId, type: 'credit', amount: '3' });
  await wallet.transact({ idempotentKey: uniqueKey('d'), userId, type: 'debit', amount: '0.75' });
  to = new Date(Date.now() + 1_000).toISOString();
});
afterAll(async () => {
  await wallet.close();
});

async function statement(args: string[]): Promise<{ code: number | string; output: string }> {
  const child = runScript('scripts/statement.ts', env, args);
  return { code: await child.exited, output: child.output() };
}

describe('npm run statement', () => {
  it('prints the statement as one JSON document (the default format)', async () => {
    const { code, output } = await statement([userId, '--from', from, '--to', to]);
    expect(code, output).toBe(0);
    const document = JSON.parse(output) as Record<string, unknown> & { entries: Record<string, unknown>[] };
    expect(document).toMatchObject({
      userId,
      currency: 'USD',
      from,
      to,
      openingBalance: '20.00',
      totalIn: '3.00',
      totalOut: '0.75',
      closingBalance: '22.25',
    });
    expect(document.entries.map((entry) => [entry.type, entry.newBalance])).toEqual([
      ['credit', '23.00'],
      ['debit', '22.25'],
    ]);
    // The same statement as the library's.
    const { nextCursor: _none, ...library } = await wallet.getStatement({ userId, from, to });
    expect(document).toEqual(library);
  });

  it('prints CSV with --format csv: a header, an opening row, a row per entry, a closing row', async () => {
    const { code, output } = await statement([userId, `--from=${from}`, `--to=${to}`, '--format', 'csv']);
    expect(code, output).toBe(0);
    const lines = output.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(STATEMENT_CSV_COLUMNS.join(','));
    expect(lines.slice(1, -1).map((line) => line.split(',')[0])).toEqual(['opening', 'entry', 'entry', 'closing']);
    expect(lines[4]?.split(',').slice(6, 10)).toEqual(['3.00', '0.75', '22.25', 'USD']);
  });

  it('refuses a malformed period with its usage (exit 2), an unknown user with exit 1', async () => {
    const malformed = await statement([userId, '--from', 'last week', '--to', to]);
    expect(malformed.code).toBe(2);
    expect(malformed.output).toContain('--from must be an ISO 8601 instant');
    expect(malformed.output).toContain('usage: npm run statement');
    const unknown = await statement([`nobody-${uniqueKey()}`, '--from', from, '--to', to]);
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('error (user_not_found)');
  });
});
