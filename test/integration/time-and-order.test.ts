import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { LedgerEngine, type EngineResult } from '../../src/ledger/engine.js';
import { replyForOutcome } from '../../src/ledger/replies.js';
import { createLogger } from '../../src/logger.js';
import type { Command } from '../../src/messages/command.js';
import type { Reply } from '../../src/messages/reply.js';
import type { Wallet } from '../../src/wallet.js';
import { useCleanups } from '../support/cleanups.js';
import { checkLedger } from '../support/ledger-check.js';
import { createUser, uniqueKey } from '../support/wallet.js';

const cleanups = useCleanups();
const logger = createLogger('silent');

/** An engine of its own (its own cache of users), on a clock the test sets: another worker. */
function worker(w: Wallet, clock: () => number) {
  const engine = new LedgerEngine({ ddb: w.clients.ddb, config: w.config, logger, clock });
  cleanups.defer(() => engine.stop());
  return async (...commands: Command[]): Promise<Reply[]> =>
    (await engine.submit(commands)).map((result: EngineResult) => {
      if (result.kind !== 'decided') throw new Error(`not decided: ${JSON.stringify(result)}`);
      return replyForOutcome(result.outcome, w.config.defaultCurrency);
    });
}

const fail = (): never => {
  throw new Error('no reply');
};
const debit = (userId: string, amount: string): Command => ({ idempotentKey: uniqueKey('d'), userId, type: 'debit', amount });
const credit = (userId: string, amount: string): Command => ({ idempotentKey: uniqueKey('c'), userId, type: 'credit', amount });

describe('time and order of a wallet’s entries', () => {
  it('never records a rejection before one already recorded, even from a worker holding an older copy of the wallet', async () => {
    const w = await cleanups.wallet();
    const userId = await createUser(w, '10');
    const start = Date.now();
    // Worker A learns the wallet (and keeps it cached); worker B's clock is 1.8 s ahead.
    const a = worker(w, () => Date.now());
    const b = worker(w, () => Date.now() + 1_800);
    const [credited] = await a(credit(userId, '1'));
    expect(credited).toMatchObject({ status: 'applied' });
    const [byB = fail()] = await b(debit(userId, '50'));
    expect(byB).toMatchObject({ status: 'rejected', reason: 'insufficient_funds' });
    // A decides on its copy: the rejection B recorded moved only the wallet's time, which A's write must see.
    const [byA = fail()] = await a(debit(userId, '60'));
    expect(byA).toMatchObject({ status: 'rejected', reason: 'insufficient_funds' });
    expect(byA.processedAt > byB.processedAt, `${byA.processedAt} after ${byB.processedAt}`).toBe(true);
    // Not pushed forward beyond B's millisecond: the next tiebreak of it.
    expect(Date.parse(byA.processedAt)).toBe(Date.parse(byB.processedAt));
    const history = await w.listTransactions({ userId });
    expect(history.items.map((entry) => entry.idempotentKey)).toEqual([byA.idempotentKey, byB.idempotentKey, expect.any(String)]);
    expect(Date.parse(history.items.at(-1)?.timestamp ?? '')).toBeGreaterThanOrEqual(Math.floor(start));
  });

  it('keeps a hot wallet on the wall clock: many decisions in one millisecond take tiebreaks, and a capture before expiry by the clock is applied', async () => {
    const w = await cleanups.wallet();
    const userId = await createUser(w, '100');
    let now = Date.parse('2026-12-05T08:00:00.123Z');
    const decide = worker(w, () => now);
    const [hold = fail()] = await decide({ idempotentKey: uniqueKey('h'), userId, type: 'hold', amount: '30', expiresInSeconds: 3 });
    // One round of 40 credits, then 10 more rounds, all in the same millisecond of the clock.
    const times = (await decide(...Array.from({ length: 40 }, () => credit(userId, '1')))).map((reply) => reply.processedAt);
    for (let i = 0; i < 10; i++) times.push(...(await decide(credit(userId, '1'))).map((reply) => reply.processedAt));
    expect(times.every((time) => Date.parse(time) === now)).toBe(true);
    expect([...times].sort()).toEqual(times);
    expect(new Set(times).size).toBe(times.length);
    now = Date.parse(hold.expiresAt ?? '') - 1_500;
    await expect(decide({ idempotentKey: uniqueKey('cap'), userId, type: 'capture', holdKey: hold.idempotentKey })).resolves.toMatchObject([
      { status: 'applied', amount: '30.00' },
    ]);
    expect((await checkLedger(w, userId, '100')).problems).toEqual([]);
  });

  it('answers a reused key with the time it was refused, not when the original was decided', async () => {
    const w = await cleanups.wallet();
    const userId = await createUser(w, '10');
    let now = Date.parse('2026-12-05T08:00:00.000Z');
    const decide = worker(w, () => now);
    const [original = fail()] = await decide(credit(userId, '1'));
    now += 5_000;
    const [refused] = await decide({ ...credit(userId, '2'), idempotentKey: original.idempotentKey });
    expect(refused).toMatchObject({ status: 'rejected', reason: 'idempotency_key_reused', processedAt: '2026-12-05T08:00:05.000Z' });
  });
});

describe('transfers reveal nothing of other users', () => {
  it('answers an unaffordable transfer insufficient_funds whether or not the recipient exists (sticky); an affordable one to nobody recipient_not_found', async () => {
    const w = await cleanups.wallet();
    const [payer, recipient] = [await createUser(w, '1'), await createUser(w, '0')];
    const missing = `nobody-${uniqueKey()}`;
    const toMissing = { idempotentKey: uniqueKey('t'), userId: payer, type: 'transfer', amount: '50', toUserId: missing };
    const toExisting = { idempotentKey: uniqueKey('t'), userId: payer, type: 'transfer', amount: '50', toUserId: recipient };
    const [a, b] = [await w.transact(toMissing), await w.transact(toExisting)];
    expect(a).toMatchObject({ status: 'rejected', reason: 'insufficient_funds' });
    expect(b).toMatchObject({ status: 'rejected', reason: 'insufficient_funds' });
    await createUser(w, '0', missing);
    await expect(w.transact(toMissing)).resolves.toEqual({ ...a, replayed: true });
    await expect(
      w.transact({ idempotentKey: uniqueKey('t'), userId: payer, type: 'transfer', amount: '1', toUserId: `nobody-${uniqueKey()}` }),
    ).resolves.toMatchObject({ reason: 'recipient_not_found' });
  });

  it('shows the recipient its own reference for a transfer and a reversed transfer, in entries and cursors, never the payer’s key', async () => {
    const w = await cleanups.wallet();
    const [payer, recipient] = [await createUser(w, '100'), await createUser(w, '0')];
    const secret = `payer-secret-${uniqueKey()}`;
    await expect(
      w.transact({ idempotentKey: secret, userId: payer, type: 'transfer', amount: '30', toUserId: recipient }),
    ).resolves.toMatchObject({ status: 'applied' });
    const reversal = `${secret}-reversal`;
    await expect(
      w.transact({ idempotentKey: reversal, userId: payer, type: 'reverse', originalKey: secret, amount: '10' }),
    ).resolves.toMatchObject({ status: 'applied' });
    await w.transact({ idempotentKey: uniqueKey('c'), userId: recipient, type: 'credit', amount: '1' });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await w.listTransactions({ userId: recipient, limit: 1, ...(cursor && { cursor }) });
      seen.push(JSON.stringify(page.items), Buffer.from(page.nextCursor ?? '', 'base64url').toString('utf8'));
      cursor = page.nextCursor;
    } while (cursor);
    const all = await w.listTransactions({ userId: recipient });
    expect(all.items.map((entry) => [entry.type, entry.newBalance])).toEqual([
      ['credit', '21.00'],
      ['reverse', '20.00'],
      ['transfer', '30.00'],
    ]);
    expect(all.items.slice(1).map((entry) => entry.idempotentKey)).toEqual([
      expect.stringMatching(/^leg-[0-9a-f]{32}$/),
      expect.stringMatching(/^leg-[0-9a-f]{32}$/),
    ]);
    expect(seen.join('\n')).not.toContain('payer-secret');
    expect((await checkLedger(w, recipient, '0')).problems).toEqual([]);
  });

  it('still reads a leg stored under the payer’s key (written before references), shows a reference instead, and pages past it', async () => {
    const w = await cleanups.wallet();
    const recipient = await createUser(w, '0');
    await w.transact({ idempotentKey: uniqueKey('c'), userId: recipient, type: 'credit', amount: '1' });
    const secret = `old-payer-secret-${uniqueKey()}`;
    await w.clients.ddb.send(
      new PutCommand({
        TableName: w.config.tables.transactions,
        Item: {
          idempotentKey: `${secret}\u001fleg`,
          transactionId: 'legacy-leg-tx',
          userId: recipient,
          type: 'transfer',
          status: 'applied',
          amount: NumberValue.from('5'),
          newBalance: NumberValue.from('6'),
          newHeld: NumberValue.from('0'),
          version: 2,
          toUserId: recipient,
          legOf: secret,
          counterpartyUserId: 'old-payer',
          timestamp: '2999-01-01T00:00:00.000Z',
        },
      }),
    );
    const first = await w.listTransactions({ userId: recipient, limit: 1 });
    expect(first.items).toEqual([
      expect.objectContaining({
        idempotentKey: expect.stringMatching(/^leg-[0-9a-f]{32}$/),
        counterpartyUserId: 'old-payer',
        newBalance: '6.00',
      }),
    ]);
    expect(JSON.stringify(first) + Buffer.from(first.nextCursor ?? '', 'base64url').toString('utf8')).not.toContain('old-payer-secret');
    const second = await w.listTransactions({ userId: recipient, limit: 1, cursor: first.nextCursor ?? '' });
    expect(second.items).toEqual([expect.objectContaining({ type: 'credit', newBalance: '1.00' })]);
    expect(second.nextCursor).toBeUndefined();
  });
});
