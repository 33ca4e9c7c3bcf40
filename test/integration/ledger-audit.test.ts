import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, NumberValue, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, it } from 'vitest';
import { auditLedger, type AuditReport } from '../../src/audit/verify-ledger.js';
import type { Wallet } from '../../src/wallet.js';
import { runScript } from '../support/child-process.js';
import { testCleanups } from '../support/cleanups.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { createUser, envFor, uniqueKey } from '../support/wallet.js';

type Cleanups = ReturnType<typeof testCleanups>;

/** A wallet with tables of its own: the audit reads whole tables. */
async function walletWithOwnTables(cleanups: Cleanups): Promise<Wallet> {
  const prefix = `audit-${randomUUID().slice(0, 8)}`;
  return cleanups.wallet({ WALLET_USERS_TABLE: `${prefix}-Users`, WALLET_TRANSACTIONS_TABLE: `${prefix}-Transactions` });
}

async function audit(wallet: Wallet): Promise<AuditReport> {
  return auditLedger({ ddb: wallet.clients.ddb, config: wallet.config }, { recheckDelayMs: 0 });
}

/** A user with applied entries k1..kn (credits and debits) and one sticky rejection. */
async function userWithEntries(wallet: Wallet, count = 4): Promise<{ userId: string; keys: string[] }> {
  const userId = await createUser(wallet, '100');
  const keys: string[] = [];
  for (let index = 0; index < count; index++) {
    const key = uniqueKey(`k${index + 1}`);
    keys.push(key);
    await wallet.transact({ idempotentKey: key, userId, type: index % 2 === 0 ? 'credit' : 'debit', amount: `${10 + index}.25` });
  }
  await wallet.transact({ idempotentKey: uniqueKey('too-much'), userId, type: 'debit', amount: '100000' });
  return { userId, keys };
}

async function entry(wallet: Wallet, idempotentKey: string): Promise<Record<string, unknown>> {
  const { Item } = await wallet.clients.ddb.send(new GetCommand({ TableName: wallet.config.tables.transactions, Key: { idempotentKey } }));
  if (!Item) throw new Error(`no entry ${idempotentKey}`);
  return Item;
}

async function put(wallet: Wallet, item: Record<string, unknown>): Promise<void> {
  await wallet.clients.ddb.send(new PutCommand({ TableName: wallet.config.tables.transactions, Item: item }));
}

/** The keys the audit names for one user, by kind. */
function findings(report: AuditReport, userId: string): string[] {
  return report.discrepancies
    .filter((discrepancy) => discrepancy.userId === userId)
    .map((discrepancy) => `${discrepancy.kind} ${discrepancy.idempotentKey ?? '-'}`)
    .sort();
}

// The cases run side by side, each on tables and queues of its own (the audit reads whole tables):
// their time is waits on replies and the verify CLI, which overlap instead of adding up.
describe.concurrent('npm run verify, the ledger audit', () => {
  it('verifies a ledger written by concurrent workers through the queue clean, and exits 0', async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await walletWithOwnTables(cleanups);
    wallet.startWorker();
    wallet.startWorker();
    const replies = new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply);
    const users = await Promise.all(['50', '75', '120'].map((balance) => createUser(wallet, balance)));
    const keys = Array.from({ length: 36 }, (_, index) => uniqueKey(`burst-${index}`));
    await Promise.all(
      keys.map((key, index) =>
        wallet.publishTransaction({
          idempotentKey: key,
          userId: users[index % 3] ?? '',
          type: index % 3 === 1 ? 'debit' : 'credit',
          amount: `${(index % 7) + 1}.10`,
        }),
      ),
    );
    for (const key of keys) await replies.waitForKey(key);

    const report = await audit(wallet);
    expect(report.discrepancies).toEqual([]);
    expect(report).toMatchObject({ users: 3, unchained: 0, discrepancyCount: 0 });
    expect(report.applied + report.rejected).toBe(36);
    expect(report.entriesScanned).toBe(36);

    const cli = runScript(
      'scripts/verify.ts',
      envFor(wallet, { WALLET_USERS_TABLE: wallet.config.tables.users, WALLET_TRANSACTIONS_TABLE: wallet.config.tables.transactions }),
    );
    await expect(cli.exited).resolves.toBe(0);
    expect(cli.output()).toMatch(/users\s+3/);
    expect(cli.output()).toContain('ledger verified: no discrepancy');
  });

  it('reports a changed newBalance, a removed entry, inserted forgeries and a balance changed by hand, each with its user and key, and exits 1', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await walletWithOwnTables(cleanups);
    const { ddb, config } = { ddb: wallet.clients.ddb, config: wallet.config };
    const untouched = await userWithEntries(wallet);

    const changed = await userWithEntries(wallet);
    await put(wallet, { ...(await entry(wallet, changed.keys[1] ?? '')), newBalance: NumberValue.from('999.99') });

    const amountChanged = await userWithEntries(wallet);
    await put(wallet, { ...(await entry(wallet, amountChanged.keys[2] ?? '')), amount: NumberValue.from('1.00') });

    const removed = await userWithEntries(wallet);
    await ddb.send(new DeleteCommand({ TableName: config.tables.transactions, Key: { idempotentKey: removed.keys[1] } }));

    const forgedBetween = await userWithEntries(wallet);
    const second = await entry(wallet, forgedBetween.keys[1] ?? '');
    const forgedKey = uniqueKey('forged');
    await put(wallet, {
      ...second,
      idempotentKey: forgedKey,
      transactionId: randomUUID(),
      type: 'credit',
      amount: NumberValue.from('500'),
      newBalance: NumberValue.from('1000'),
      // Sorts right after the second entry in the history index.
      timestamp: `${String(second.timestamp)}0`,
      hash: 'f'.repeat(64),
    });

    const forgedAtEnd = await userWithEntries(wallet);
    const fourth = await entry(wallet, forgedAtEnd.keys[3] ?? '');
    const unchainedForgery = uniqueKey('forged-unchained');
    const { hash: _hash, ...withoutHash } = fourth;
    await put(wallet, {
      ...withoutHash,
      idempotentKey: unchainedForgery,
      transactionId: randomUUID(),
      version: 5,
      timestamp: `${String(fourth.timestamp)}0`,
    });

    const balanceByHand = await userWithEntries(wallet);
    await ddb.send(
      new UpdateCommand({
        TableName: config.tables.users,
        Key: { userId: balanceByHand.userId },
        UpdateExpression: 'SET balance = :b',
        ExpressionAttributeValues: { ':b': NumberValue.from('1000000') },
      }),
    );

    const report = await audit(wallet);
    expect(findings(report, untouched.userId)).toEqual([]);
    expect(findings(report, changed.userId)).toEqual([`entry_changed ${changed.keys[1]}`, `new_balance ${changed.keys[1]}`].sort());
    expect(findings(report, amountChanged.userId)).toEqual(
      [`entry_changed ${amountChanged.keys[2]}`, `new_balance ${amountChanged.keys[2]}`].sort(),
    );
    expect(findings(report, removed.userId)).toEqual([`entry_missing ${removed.keys[2]}`]);
    expect(findings(report, forgedBetween.userId)).toEqual([`entry_inserted ${forgedKey}`]);
    expect(findings(report, forgedAtEnd.userId)).toEqual([`unchained_after_chain ${unchainedForgery}`]);
    expect(findings(report, balanceByHand.userId)).toEqual([`stored_balance ${balanceByHand.keys[3]}`]);
    expect(report.discrepancyCount).toBe(report.discrepancies.length);

    const cli = runScript(
      'scripts/verify.ts',
      envFor(wallet, { WALLET_USERS_TABLE: config.tables.users, WALLET_TRANSACTIONS_TABLE: config.tables.transactions }),
    );
    await expect(cli.exited).resolves.toBe(1);
    expect(cli.output()).toContain(`user ${JSON.stringify(removed.userId)} key ${JSON.stringify(removed.keys[2])}: entry_missing`);
    expect(cli.output()).toContain(
      `user ${JSON.stringify(balanceByHand.userId)} key ${JSON.stringify(balanceByHand.keys[3])}: stored_balance`,
    );
    expect(cli.output()).toMatch(/ledger NOT verified: \d+ discrepancies/);
  });

  it('verifies transfers, holds, captures, releases and reversals clean, and reports a changed newHeld and a hold removed from the user by hand', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await walletWithOwnTables(cleanups);
    const [payer, recipient] = [await createUser(wallet, '100'), await createUser(wallet, '5')];
    const hold = uniqueKey('hold');
    const transfer = uniqueKey('transfer');
    const steps = [
      { idempotentKey: transfer, userId: payer, type: 'transfer', amount: '20', toUserId: recipient },
      { idempotentKey: hold, userId: payer, type: 'hold', amount: '30' },
      { idempotentKey: uniqueKey('capture'), userId: payer, type: 'capture', holdKey: hold, amount: '10' },
      { idempotentKey: uniqueKey('hold2'), userId: payer, type: 'hold', amount: '5' },
      { idempotentKey: uniqueKey('reverse'), userId: payer, type: 'reverse', originalKey: transfer, amount: '7' },
    ];
    for (const command of steps) expect((await wallet.transact(command)).status).toBe('applied');
    const clean = await audit(wallet);
    expect(clean.discrepancies.map((found) => `${found.kind} ${found.idempotentKey ?? ''}: ${found.detail}`)).toEqual([]);

    const secondHold = steps[3]?.idempotentKey ?? '';
    await put(wallet, { ...(await entry(wallet, secondHold)), newHeld: NumberValue.from('99.00') });
    await wallet.clients.ddb.send(
      new UpdateCommand({
        TableName: wallet.config.tables.users,
        Key: { userId: payer },
        UpdateExpression: 'REMOVE holds.#hold',
        ExpressionAttributeNames: { '#hold': secondHold },
      }),
    );
    const report = await audit(wallet);
    expect(findings(report, payer)).toEqual(expect.arrayContaining([`new_held ${secondHold}`, expect.stringMatching(/^stored_held /)]));
    expect(findings(report, recipient)).toEqual([]);
  });

  it('rebuilds each user’s open holds from its entries: a holds map removed by hand, an expiry stretched, a rejection’s recorded state changed are reported', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await walletWithOwnTables(cleanups);
    const [removed, stretched, rejected] = [
      await createUser(wallet, '100'),
      await createUser(wallet, '100'),
      await createUser(wallet, '100'),
    ];
    const holdOf = new Map<string, string>();
    for (const userId of [removed, stretched, rejected]) {
      const key = uniqueKey('hold');
      holdOf.set(userId, key);
      expect((await wallet.transact({ idempotentKey: key, userId, type: 'hold', amount: '30', expiresInSeconds: 3600 })).status).toBe(
        'applied',
      );
      expect((await wallet.transact({ idempotentKey: uniqueKey('hold'), userId, type: 'hold', amount: '10' })).status).toBe('applied');
    }
    const refusal = uniqueKey('too-much');
    expect(await wallet.transact({ idempotentKey: refusal, userId: rejected, type: 'debit', amount: '90' })).toMatchObject({
      reason: 'insufficient_funds',
    });
    const clean = await audit(wallet);
    expect(clean.discrepancies.map((found) => `${found.kind} ${found.idempotentKey ?? ''}: ${found.detail}`)).toEqual([]);

    const users = wallet.config.tables.users;
    // 30.00 + 10.00 become spendable: the whole holds map is gone.
    await wallet.clients.ddb.send(new UpdateCommand({ TableName: users, Key: { userId: removed }, UpdateExpression: 'REMOVE holds' }));
    // An open hold made to last 30 days longer.
    const stretchedKey = holdOf.get(stretched) ?? '';
    const { Item } = await wallet.clients.ddb.send(new GetCommand({ TableName: users, Key: { userId: stretched } }));
    const expiresAt = (Item!.holds as Record<string, { expiresAt: string }>)[stretchedKey]?.expiresAt ?? '';
    await wallet.clients.ddb.send(
      new UpdateCommand({
        TableName: users,
        Key: { userId: stretched },
        UpdateExpression: 'SET holds.#hold.expiresAt = :later',
        ExpressionAttributeNames: { '#hold': stretchedKey },
        ExpressionAttributeValues: { ':later': new Date(Date.parse(expiresAt) + 30 * 86_400_000).toISOString() },
      }),
    );
    // A rejection records the wallet's state (balances in time read it): changed by hand.
    await put(wallet, { ...(await entry(wallet, refusal)), newBalance: NumberValue.from('1000') });
    const report = await audit(wallet);
    expect(findings(report, removed)).toEqual([expect.stringMatching(/^stored_held /)]);
    expect(findings(report, stretched)).toEqual([expect.stringMatching(/^stored_held /)]);
    expect(report.discrepancies.find((found) => found.userId === stretched)?.detail).toContain(stretchedKey);
    expect(findings(report, rejected)).toEqual([`new_balance ${refusal}`]);
  });

  it('reports entries written before the hash chain as unchained, not as discrepancies', async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await walletWithOwnTables(cleanups);
    const userId = await createUser(wallet, '100');
    // What the worker wrote before the chain existed: the entry and the user, no hash, no chainHash.
    const legacyKey = uniqueKey('legacy');
    await put(wallet, {
      idempotentKey: legacyKey,
      transactionId: randomUUID(),
      userId,
      type: 'credit',
      amount: NumberValue.from('10.00'),
      status: 'applied',
      timestamp: new Date(Date.now() - 60_000).toISOString(),
      newBalance: NumberValue.from('110.00'),
      version: 1,
    });
    await wallet.clients.ddb.send(
      new UpdateCommand({
        TableName: wallet.config.tables.users,
        Key: { userId },
        UpdateExpression: 'SET balance = :b, version = :v',
        ExpressionAttributeValues: { ':b': NumberValue.from('110'), ':v': 1 },
      }),
    );
    await wallet.transact({ idempotentKey: uniqueKey('chained'), userId, type: 'debit', amount: '0.50' });

    const report = await audit(wallet);
    expect(report).toMatchObject({ users: 1, applied: 2, unchained: 1, discrepancyCount: 0 });
  });
  it('replays each wallet’s status from its entries: opened, frozen, drained and closed verifies clean; a closed wallet made active by hand and a frozen one unfrozen by hand are reported', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await walletWithOwnTables(cleanups);
    const walletThrough = async (steps: Record<string, unknown>[]) => {
      const userId = `w-${randomUUID()}`;
      for (const step of [{ type: 'open', currency: 'EUR' }, ...steps]) {
        const outcome = await wallet.transact({ idempotentKey: uniqueKey(String(step.type)), userId, ...step });
        expect(outcome.status, String(step.type)).toBe('applied');
      }
      return userId;
    };
    const closed = await walletThrough([
      { type: 'credit', amount: '5' },
      { type: 'freeze' },
      { type: 'unfreeze' },
      { type: 'debit', amount: '5' },
      { type: 'close' },
    ]);
    const frozen = await walletThrough([{ type: 'credit', amount: '5' }, { type: 'freeze' }]);
    const reopenedByHand = await walletThrough([{ type: 'close' }]);
    const unfrozenByHand = await walletThrough([{ type: 'freeze' }]);
    const legacy = await createUser(wallet, '10');
    const setStatus = (userId: string, status: string) =>
      wallet.clients.ddb.send(
        new UpdateCommand({
          TableName: wallet.config.tables.users,
          Key: { userId },
          UpdateExpression: 'SET #s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': status },
        }),
      );
    await setStatus(reopenedByHand, 'active');
    await setStatus(unfrozenByHand, 'active');
    // An item written before wallets had a status reads as active.
    await wallet.clients.ddb.send(
      new UpdateCommand({
        TableName: wallet.config.tables.users,
        Key: { userId: legacy },
        UpdateExpression: 'REMOVE #s',
        ExpressionAttributeNames: { '#s': 'status' },
      }),
    );

    const report = await audit(wallet);
    expect(findings(report, closed)).toEqual([]);
    expect(findings(report, frozen)).toEqual([]);
    expect(findings(report, legacy)).toEqual([]);
    expect(findings(report, reopenedByHand)).toEqual([expect.stringMatching(/^stored_status /)]);
    expect(findings(report, unfrozenByHand)).toEqual([expect.stringMatching(/^stored_status /)]);
    expect(report.discrepancyCount).toBe(2);
  });
});
