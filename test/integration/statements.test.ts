import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BeforeWalletOpenedError, InvalidRequestError, UserNotFoundError } from '../../src/errors.js';
import { streamStatement, type StatementEvent } from '../../src/query/statement.js';
import type { Wallet } from '../../src/wallet.js';
import { eventually } from '../support/eventually.js';
import { cents, createUserAt, historyOldestFirst } from '../support/statement-helpers.js';
import { createTestWallet, uniqueKey } from '../support/wallet.js';

let wallet: Wallet;
beforeAll(async () => {
  wallet = await createTestWallet();
});
afterAll(async () => {
  await wallet.close();
});

const iso = (ms: number) => new Date(ms).toISOString();

/** A wallet seeded at 50.00 an hour ago, then: credit 10, debit 3.50, hold 5, transfer 2 out, transfer 1 in, a refused debit. */
async function walletWithEntries(): Promise<{ userId: string; peer: string }> {
  const userId = await createUserAt(wallet, '50');
  const peer = await createUserAt(wallet, '20');
  const send = (command: Record<string, unknown>) => wallet.transact({ idempotentKey: uniqueKey('st'), userId, ...command });
  await send({ type: 'credit', amount: '10' });
  await send({ type: 'debit', amount: '3.50' });
  await send({ type: 'hold', amount: '5', expiresInSeconds: 3600 });
  await send({ type: 'transfer', amount: '2', toUserId: peer });
  await wallet.transact({ idempotentKey: uniqueKey('in'), userId: peer, type: 'transfer', amount: '1', toUserId: userId });
  await send({ type: 'debit', amount: '1000' });
  return { userId, peer };
}

describe('getBalanceAt', () => {
  it("answers, at each entry's own time, the balance and available right after that entry", async () => {
    const { userId } = await walletWithEntries();
    const history = await historyOldestFirst(wallet, userId);
    const applied = history.filter((entry) => entry.status === 'applied');
    expect(applied.map((entry) => entry.newBalance)).toEqual(['60.00', '56.50', '56.50', '54.50', '55.50']);
    for (const entry of applied) {
      const at = await wallet.getBalanceAt({ userId, at: entry.timestamp });
      expect(at, entry.type).toEqual({
        userId,
        currency: 'USD',
        at: entry.timestamp,
        balance: entry.newBalance,
        held: expect.any(String),
        available: entry.available,
      });
      expect(cents(at.balance) - cents(at.held)).toBe(cents(at.available));
    }
    // After the refused debit nothing changed; far later the hold (an hour) still reserves its 5.00 when asked within it.
    const last = applied.at(-1)?.timestamp ?? '';
    await expect(wallet.getBalanceAt({ userId, at: iso(Date.parse(last) + 60_000) })).resolves.toMatchObject({
      balance: '55.50',
      held: '5.00',
      available: '50.50',
    });
  });

  it('stops counting a hold at its expiry, though no entry was written then', async () => {
    const userId = await createUserAt(wallet, '20');
    const hold = await wallet.transact({ idempotentKey: uniqueKey('hold'), userId, type: 'hold', amount: '5', expiresInSeconds: 1 });
    const expiresAt = Date.parse(hold.expiresAt ?? '');
    await eventually('the hold to expire', async () => ((await wallet.getCurrentBalance({ userId })).held === '0.00' ? true : undefined));
    await wallet.transact({ idempotentKey: uniqueKey('later'), userId, type: 'credit', amount: '1' });
    const [holdEntry] = await historyOldestFirst(wallet, userId);
    await expect(wallet.getBalanceAt({ userId, at: holdEntry?.timestamp ?? '' })).resolves.toMatchObject({
      balance: '20.00',
      held: '5.00',
      available: '15.00',
    });
    await expect(wallet.getBalanceAt({ userId, at: iso(expiresAt - 1) })).resolves.toMatchObject({
      balance: '20.00',
      held: '5.00',
      available: '15.00',
    });
    await expect(wallet.getBalanceAt({ userId, at: iso(expiresAt) })).resolves.toMatchObject({
      balance: '20.00',
      held: '0.00',
      available: '20.00',
    });
  });

  it('answers the seeded balance between the wallet’s creation and its first entry', async () => {
    const { userId } = await walletWithEntries();
    const [first] = await historyOldestFirst(wallet, userId);
    const before = iso(Date.parse(first?.timestamp ?? '') - 1);
    await expect(wallet.getBalanceAt({ userId, at: before })).resolves.toEqual({
      userId,
      currency: 'USD',
      at: before,
      balance: '50.00',
      held: '0.00',
      available: '50.00',
    });
  });

  it('answers a wallet never written to with its balance since its creation', async () => {
    const userId = await createUserAt(wallet, '7.25');
    await expect(wallet.getBalanceAt({ userId, at: iso(Date.now()) })).resolves.toMatchObject({
      balance: '7.25',
      held: '0.00',
      available: '7.25',
    });
  });

  it('refuses an instant before the wallet existed, and an unknown user, with typed errors', async () => {
    const createdAt = iso(Date.now() - 60_000);
    const userId = await createUserAt(wallet, '10', createdAt);
    await expect(wallet.getBalanceAt({ userId, at: iso(Date.parse(createdAt) - 1) })).rejects.toBeInstanceOf(BeforeWalletOpenedError);
    await expect(wallet.getBalanceAt({ userId, at: createdAt })).resolves.toMatchObject({ balance: '10.00' });
    await expect(wallet.getBalanceAt({ userId: `nobody-${uniqueKey()}`, at: createdAt })).rejects.toBeInstanceOf(UserNotFoundError);
  });

  it.each(['yesterday', '2026-12-01', '2026-12-01T00:00:00', '2026-12-01T00:00:00.1234Z', '0000-01-01T00:00:00Z'])(
    'refuses the instant %j as invalid',
    async (at) => {
      await expect(wallet.getBalanceAt({ userId: 'u', at })).rejects.toBeInstanceOf(InvalidRequestError);
    },
  );
});

describe('getStatement', () => {
  it('states a period: opening + in − out = closing, entries oldest first with their balance after them, both ends as getBalanceAt', async () => {
    const { userId, peer } = await walletWithEntries();
    const from = iso(Date.now() - 3_000_000);
    const to = iso(Date.now() + 1_000);
    const statement = await wallet.getStatement({ userId, from, to });
    expect(statement).toMatchObject({
      userId,
      currency: 'USD',
      from,
      to,
      openingBalance: '50.00',
      closingBalance: '55.50',
      totalIn: '11.00',
      totalOut: '5.50',
    });
    expect(statement.entries.map((entry) => [entry.type, entry.amount, entry.moneyIn, entry.moneyOut, entry.newBalance])).toEqual([
      ['credit', '10.00', '10.00', '0.00', '60.00'],
      ['debit', '3.50', '0.00', '3.50', '56.50'],
      ['hold', '5.00', '0.00', '0.00', '56.50'],
      ['transfer', '2.00', '0.00', '2.00', '54.50'],
      ['transfer', '1.00', '1.00', '0.00', '55.50'],
    ]);
    // The incoming transfer is the peer's command: its entry names the peer and a reference of its own, not the peer's key.
    expect(statement.entries[4]).toMatchObject({ counterpartyUserId: peer, idempotentKey: expect.stringMatching(/^leg-[0-9a-f]{32}$/) });
    expect(statement.nextCursor).toBeUndefined();
    const [opening, closing] = await Promise.all([
      wallet.getBalanceAt({ userId, at: iso(Date.parse(from) - 1) }),
      wallet.getBalanceAt({ userId, at: iso(Date.parse(to) - 1) }),
    ]);
    expect([opening.balance, closing.balance]).toEqual([statement.openingBalance, statement.closingBalance]);
  });

  it('pages a period larger than one page: pages join without gaps or repeats, each with the whole period’s figures', async () => {
    const { userId } = await walletWithEntries();
    const period = { userId, from: iso(Date.now() - 3_000_000), to: iso(Date.now() + 1_000) };
    const whole = await wallet.getStatement(period);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await wallet.getStatement({ ...period, limit: 2, ...(cursor && { cursor }) });
      expect(page.entries.length).toBeLessThanOrEqual(2);
      expect({ ...page, entries: [], nextCursor: undefined }).toEqual({ ...whole, entries: [], nextCursor: undefined });
      seen.push(...page.entries.map((entry) => entry.transactionId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(whole.entries.map((entry) => entry.transactionId));
  });

  it('streams a period a DynamoDB page at a time, never more than a page per query', async () => {
    const { userId } = await walletWithEntries();
    const queries: number[] = [];
    wallet.clients.ddb.middlewareStack.add(
      (next, context) => async (args) => {
        const input = (args as { input?: { Limit?: number; FilterExpression?: string } }).input;
        if (context.commandName === 'QueryCommand' && input?.FilterExpression?.includes('#status'))
          queries.push(input.Limit ?? Number.POSITIVE_INFINITY);
        return next(args);
      },
      { step: 'initialize', name: 'countStatementQueries' },
    );
    try {
      const events: StatementEvent[] = [];
      for await (const event of streamStatement(
        { ddb: wallet.clients.ddb, config: wallet.config },
        { userId, from: iso(Date.now() - 3_000_000), to: iso(Date.now() + 1_000) },
        { pageSize: 2 },
      ))
        events.push(event);
      expect(events.map((event) => event.kind)).toEqual(['opening', 'entry', 'entry', 'entry', 'entry', 'entry', 'closing']);
      expect(queries.length).toBeGreaterThanOrEqual(3);
      expect(queries.every((limit) => limit === 2)).toBe(true);
    } finally {
      wallet.clients.ddb.middlewareStack.remove('countStatementQueries');
    }
  });

  it('opens a period that began before the wallet on the balance it began with; refuses one wholly before it', async () => {
    const createdAt = iso(Date.now() - 60_000);
    const userId = await createUserAt(wallet, '30', createdAt);
    await wallet.transact({ idempotentKey: uniqueKey(), userId, type: 'credit', amount: '1' });
    const statement = await wallet.getStatement({ userId, from: iso(Date.parse(createdAt) - 3_600_000), to: iso(Date.now() + 1_000) });
    expect(statement).toMatchObject({ openingBalance: '30.00', totalIn: '1.00', totalOut: '0.00', closingBalance: '31.00' });
    await expect(wallet.getStatement({ userId, from: iso(Date.parse(createdAt) - 3_600_000), to: createdAt })).rejects.toBeInstanceOf(
      BeforeWalletOpenedError,
    );
  });

  it('refuses a period that does not end after it starts, and a cursor of another statement', async () => {
    const at = iso(Date.now());
    await expect(wallet.getStatement({ userId: 'u', from: at, to: at })).rejects.toBeInstanceOf(InvalidRequestError);
    const cursor = Buffer.from(JSON.stringify({ userId: 'other', from: at, to: at, after: at })).toString('base64url');
    await expect(wallet.getStatement({ userId: 'u', from: iso(Date.now() - 1000), to: at, cursor })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    await expect(wallet.getStatement({ userId: 'u', from: iso(Date.now() - 1000), to: at, cursor: 'garbage' })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });
});
