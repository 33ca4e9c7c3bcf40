import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATEMENT_CSV_COLUMNS } from '../../src/query/statement-csv.js';
import type { Wallet } from '../../src/wallet.js';
import { startApi, type RunningApi } from '../support/api-server.js';
import { call } from '../support/http-client.js';
import { createUserAt } from '../support/statement-helpers.js';
import { hs256Token, TEST_JWT_SECRET } from '../support/tokens.js';
import { createTestWallet, uniqueKey } from '../support/wallet.js';

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'wallet-api';
const userToken = (sub: string) => hs256Token({ sub, issuer: ISSUER, audience: AUDIENCE });
const adminToken = () => hs256Token({ sub: 'reports-service', scope: 'wallet:admin', issuer: ISSUER, audience: AUDIENCE });
const iso = (ms: number) => new Date(ms).toISOString();

/** The CSV body as rows of fields (the test's own RFC 4180 reader: quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      index++;
    } else field += char;
  }
  return rows;
}

describe('balances in time and statements through the gateway', () => {
  let wallet: Wallet;
  let api: RunningApi;
  let alice: string;
  let bob: string;
  const from = iso(Date.now() - 1_800_000);

  beforeAll(async () => {
    wallet = await createTestWallet({
      WALLET_API_JWT_SECRET: TEST_JWT_SECRET,
      WALLET_API_JWT_ISSUER: ISSUER,
      WALLET_API_JWT_AUDIENCE: AUDIENCE,
    });
    wallet.startWorker({ pollers: 1 });
    api = await startApi(wallet);
    alice = await createUserAt(wallet, '100');
    bob = await createUserAt(wallet, '40');
    await wallet.transact({ idempotentKey: `=HYPERLINK("x")-${uniqueKey()}`, userId: alice, type: 'credit', amount: '5' });
    await wallet.transact({ idempotentKey: uniqueKey('bob'), userId: bob, type: 'credit', amount: '1' });
  });
  afterAll(async () => {
    await api?.close();
    await wallet?.close();
  });

  it('lets a user token read its own balance at a time and statement, with its own keys as it sent them', async () => {
    const token = await userToken(alice);
    const sent = await call(`${api.baseUrl}/transactions?wait=true`, {
      method: 'POST',
      token,
      body: { idempotentKey: 'my-debit', userId: alice, type: 'debit', amount: '2.50' },
    });
    expect(sent).toMatchObject({ status: 200, body: { status: 'applied' } });
    const to = iso(Date.now() + 1_000);

    const balance = await call(`${api.baseUrl}/users/${alice}/balance?at=${encodeURIComponent(to)}`, { token });
    expect(balance).toMatchObject({
      status: 200,
      body: { userId: alice, currency: 'USD', at: to, balance: '102.50', held: '0.00', available: '102.50' },
    });
    const statement = await call(`${api.baseUrl}/users/${alice}/statement?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, {
      token,
    });
    expect(statement.status).toBe(200);
    expect(statement.body).toMatchObject({
      userId: alice,
      openingBalance: '100.00',
      totalIn: '5.00',
      totalOut: '2.50',
      closingBalance: '102.50',
    });
    expect(statement.body.entries.map((entry: { idempotentKey: string }) => entry.idempotentKey)).toEqual([
      expect.stringMatching(/^=HYPERLINK/),
      'my-debit',
    ]);
  });

  it('answers 404 for another user’s balance at a time and statement (JSON and CSV) exactly as for an unknown user', async () => {
    const token = await userToken(alice);
    const unknown = `nobody-${uniqueKey()}`;
    const query = (path: string) =>
      path === 'balance'
        ? `at=${encodeURIComponent(iso(Date.now()))}`
        : `from=${encodeURIComponent(from)}&to=${encodeURIComponent(iso(Date.now()))}`;
    for (const path of ['balance', 'statement']) {
      for (const accept of ['application/json', 'text/csv']) {
        const other = await call(`${api.baseUrl}/users/${bob}/${path}?${query(path)}`, { token, headers: { accept } });
        const none = await call(`${api.baseUrl}/users/${unknown}/${path}?${query(path)}`, { token, headers: { accept } });
        expect(other.status, `${path} ${accept}`).toBe(404);
        expect({ ...other.body, message: other.body.message.replace(bob, 'ID') }).toEqual({
          ...none.body,
          message: none.body.message.replace(unknown, 'ID'),
        });
      }
    }
    // A service may read anyone's.
    const admin = await adminToken();
    expect(await call(`${api.baseUrl}/users/${bob}/statement?${query('statement')}`, { token: admin })).toMatchObject({
      status: 200,
      body: { userId: bob, totalIn: '1.00' },
    });
  });

  it('streams the statement as CSV on Accept: text/csv: a header, an opening row, one row per entry, a closing row', async () => {
    const to = iso(Date.now() + 1_000);
    const response = await fetch(`${api.baseUrl}/users/${bob}/statement?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, {
      headers: { authorization: `Bearer ${await adminToken()}`, accept: 'text/csv' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const text = await response.text();
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...STATEMENT_CSV_COLUMNS]);
    const records = rows.slice(1).map((row) => Object.fromEntries(STATEMENT_CSV_COLUMNS.map((column, index) => [column, row[index]])));
    expect(records.map((record) => record.row)).toEqual(['opening', 'entry', 'closing']);
    expect(records[0]).toMatchObject({ timestamp: from, balance: '40.00', currency: 'USD' });
    expect(records[1]).toMatchObject({
      type: 'credit',
      amount: '1.00',
      moneyIn: '1.00',
      moneyOut: '0.00',
      balance: '41.00',
      currency: 'USD',
    });
    expect(records[2]).toMatchObject({ timestamp: to, moneyIn: '1.00', moneyOut: '0.00', balance: '41.00' });
    expect(rows.every((row) => row.length === STATEMENT_CSV_COLUMNS.length)).toBe(true);
  });

  it('writes a key a spreadsheet would run as a formula as text in the CSV', async () => {
    const response = await fetch(
      `${api.baseUrl}/users/${alice}/statement?from=${encodeURIComponent(from)}&to=${encodeURIComponent(iso(Date.now() + 1_000))}`,
      {
        headers: { authorization: `Bearer ${await adminToken()}`, accept: 'text/csv, application/json;q=0.5' },
      },
    );
    const rows = parseCsv(await response.text());
    const keys = rows.slice(2, -1).map((row) => row[2]);
    expect(keys[0]).toMatch(/^'=HYPERLINK\("x"\)-/);
  });

  it('answers 400 for a bad instant or an empty period, and 404 before_wallet_opened for a time before the wallet', async () => {
    const admin = await adminToken();
    expect(await call(`${api.baseUrl}/users/${bob}/balance?at=yesterday`, { token: admin })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
    const now = encodeURIComponent(iso(Date.now()));
    expect(await call(`${api.baseUrl}/users/${bob}/statement?from=${now}&to=${now}`, { token: admin })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
    expect(await call(`${api.baseUrl}/users/${bob}/statement?from=${now}`, { token: admin })).toMatchObject({ status: 400 });
    const before = encodeURIComponent(iso(Date.now() - 7_200_000));
    expect(await call(`${api.baseUrl}/users/${bob}/balance?at=${before}`, { token: admin })).toMatchObject({
      status: 404,
      body: { error: 'before_wallet_opened' },
    });
  });
});
