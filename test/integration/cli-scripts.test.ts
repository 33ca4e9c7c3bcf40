import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, type ExpectStatic, it } from 'vitest';
import type { Wallet } from '../../src/wallet.js';
import { runScript } from '../support/child-process.js';
import { createTestWallet, createUser, envFor } from '../support/wallet.js';

let wallet: Wallet;
let env: Record<string, string>;
beforeAll(async () => {
  wallet = await createTestWallet();
  wallet.startWorker({ pollers: 1 });
  env = envFor(wallet, { LOG_LEVEL: 'warn' });
});
afterAll(async () => {
  await wallet.close();
});

/** Runs a script to its end, expecting exit code 0 (with the test's own `expect`: the tests run concurrently). */
async function run(expect: ExpectStatic, script: string, args: string[]): Promise<string> {
  const child = runScript(script, env, args);
  const code = await child.exited;
  expect(code, child.output()).toBe(0);
  return child.output();
}

// The cases run side by side (each on users of its own, each publish waiting on a reply queue of its
// own): the file takes the time of its longest chain of scripts rather than the sum of all.
// A case runs a chain of up to a dozen scripts (each a node process that waits for its reply), side by side with
// the others: on a loaded 2-core machine one chain took over 60 s, so the safety net is wider than the default.
describe.concurrent('command-line scripts against a configured endpoint', { timeout: 180_000 }, () => {
  it('init-tables seeds 10 users with balances from 50 to 120; publish, balance and history use them', async ({ expect }) => {
    const seeded = await run(expect, 'scripts/init-tables.ts', []);
    const users = [...seeded.matchAll(/^ {2}(\S+) {2}balance (\d+\.\d\d) {2}USD$/gm)].map((match) => ({
      userId: match[1] ?? '',
      balance: match[2] ?? '',
    }));
    expect(users).toHaveLength(10);
    for (const user of users) {
      expect(user.userId).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number(user.balance)).toBeGreaterThanOrEqual(50);
      expect(Number(user.balance)).toBeLessThanOrEqual(120);
    }
    const [user] = users;
    if (!user) throw new Error('no user seeded');

    const published = await run(expect, 'scripts/publish.ts', [
      '--user',
      user.userId,
      '--amount',
      '10.00',
      '--type',
      'credit',
      '--key',
      `cli-${user.userId}`,
    ]);
    const reply = JSON.parse(published.slice(published.indexOf('{'))) as Record<string, unknown>;
    expect(reply).toMatchObject({
      status: 'applied',
      idempotentKey: `cli-${user.userId}`,
      newBalance: (Number(user.balance) + 10).toFixed(2),
    });

    // Scripts that read, or whose outcomes do not depend on each other's, run side by side (a shorter chain).
    const [balanceOutput, historyOutput] = await Promise.all([
      run(expect, 'scripts/balance.ts', [user.userId]),
      run(expect, 'scripts/history.ts', [user.userId]),
    ]);
    const balance = JSON.parse(balanceOutput) as Record<string, unknown>;
    const expected = (Number(user.balance) + 10).toFixed(2);
    expect(balance).toEqual({
      userId: user.userId,
      currency: 'USD',
      status: 'active',
      balance: expected,
      available: expected,
      held: '0.00',
    });

    const history = JSON.parse(historyOutput) as { items: { idempotentKey: string }[] };
    expect(history.items.map((item) => item.idempotentKey)).toEqual([`cli-${user.userId}`]);

    // The money moves: a hold, a transfer to the second user, a capture of part of the hold.
    const [, recipient] = users;
    if (!recipient) throw new Error('no second user seeded');
    const publish = async (...args: string[]) =>
      JSON.parse((await run(expect, 'scripts/publish.ts', ['--user', user.userId, ...args])).replace(/^[^{]*/, '')) as Record<
        string,
        unknown
      >;
    // The transfer (1 of a balance of 60 or more) succeeds whether it comes before or after the hold (5).
    await Promise.all([
      (async () => {
        await expect(
          publish('--type', 'hold', '--amount', '5', '--expires-in', '3600', '--key', `hold-${user.userId}`),
        ).resolves.toMatchObject({ status: 'applied', expiresAt: expect.any(String) });
        await expect(publish('--type', 'capture', '--hold-key', `hold-${user.userId}`, '--amount', '2')).resolves.toMatchObject({
          status: 'applied',
          amount: '2.00',
        });
      })(),
      expect(publish('--type', 'transfer', '--amount', '1', '--to', recipient.userId, '--key', `to-${user.userId}`)).resolves.toMatchObject(
        { status: 'applied', toUserId: recipient.userId },
      ),
    ]);
    const after = (Number(user.balance) + 10 - 1 - 2).toFixed(2);
    const [finalBalance, recipientOutput] = await Promise.all([
      run(expect, 'scripts/balance.ts', [user.userId]),
      run(expect, 'scripts/history.ts', [recipient.userId]),
    ]);
    expect(JSON.parse(finalBalance)).toEqual({
      userId: user.userId,
      currency: 'USD',
      status: 'active',
      balance: after,
      available: after,
      held: '0.00',
    });
    const recipientHistory = JSON.parse(recipientOutput) as {
      items: Record<string, unknown>[];
    };
    // The recipient's entry has a reference of its own: nothing of the payer's key (SPEC "Transfers").
    expect(recipientHistory.items).toEqual([
      expect.objectContaining({
        idempotentKey: expect.stringMatching(/^leg-[0-9a-f]{32}$/),
        type: 'transfer',
        counterpartyUserId: user.userId,
      }),
    ]);
    expect(JSON.stringify(recipientHistory)).not.toContain(`to-${user.userId}`);
  });

  it('publish opens a wallet in a currency with metadata, freezes it with a note (its debit then refused wallet_frozen), sends money naming a currency, unfreezes and closes it', async ({
    expect,
  }) => {
    const userId = `cli-wallet-${randomUUID()}`;
    const publish = async (...args: string[]) =>
      JSON.parse((await run(expect, 'scripts/publish.ts', ['--user', userId, ...args])).replace(/^[^{]*/, '')) as Record<string, unknown>;
    const openKey = `open-${userId}`;
    const opened = await publish('--type', 'open', '--currency', 'EUR', '--metadata', '{"owner":"cli"}', '--key', openKey);
    expect(opened).toMatchObject({
      idempotentKey: openKey,
      type: 'open',
      currency: 'EUR',
      status: 'applied',
      newBalance: '0.00',
      replayed: false,
    });
    // The same open again replays; another is wallet_exists. Commands whose outcomes do not depend on
    // each other's (a replay, refusals, a read) run side by side: a shorter chain of scripts.
    await Promise.all([
      expect(publish('--type', 'open', '--currency', 'EUR', '--metadata', '{"owner":"cli"}', '--key', openKey)).resolves.toEqual({
        ...opened,
        replayed: true,
      }),
      expect(publish('--type', 'open', '--currency', 'EUR')).resolves.toMatchObject({ status: 'rejected', reason: 'wallet_exists' }),
    ]);
    await Promise.all([
      expect(publish('--type', 'credit', '--amount', '7.50', '--currency', 'EUR')).resolves.toMatchObject({
        status: 'applied',
        currency: 'EUR',
        newBalance: '7.50',
      }),
      expect(publish('--type', 'credit', '--amount', '1', '--currency', 'USD')).resolves.toMatchObject({
        status: 'rejected',
        reason: 'currency_mismatch',
      }),
    ]);
    await expect(publish('--type', 'freeze', '--note', 'card lost')).resolves.toMatchObject({
      type: 'freeze',
      status: 'applied',
      newBalance: '7.50',
    });
    await Promise.all([
      run(expect, 'scripts/balance.ts', [userId]).then((output) =>
        expect(JSON.parse(output)).toMatchObject({ currency: 'EUR', status: 'frozen', balance: '7.50' }),
      ),
      expect(publish('--type', 'debit', '--amount', '7.50')).resolves.toMatchObject({ status: 'rejected', reason: 'wallet_frozen' }),
    ]);
    await expect(publish('--type', 'unfreeze')).resolves.toMatchObject({ type: 'unfreeze', status: 'applied' });
    await expect(publish('--type', 'debit', '--amount', '7.50', '--currency', 'EUR')).resolves.toMatchObject({
      status: 'applied',
      newBalance: '0.00',
    });
    await expect(publish('--type', 'close', '--note', 'done')).resolves.toMatchObject({ type: 'close', status: 'applied' });
    const [closedBalance, historyOutput] = await Promise.all([
      run(expect, 'scripts/balance.ts', [userId]),
      run(expect, 'scripts/history.ts', [userId]),
    ]);
    expect(JSON.parse(closedBalance)).toMatchObject({
      currency: 'EUR',
      status: 'closed',
      balance: '0.00',
    });
    // The note and the metadata are kept in the history (replies do not echo them).
    const history = JSON.parse(historyOutput) as { items: { type: string; status: string }[] };
    expect(
      history.items
        .filter((item) => item.status === 'applied')
        .map(({ type, ...rest }) => ({
          type,
          ...('note' in rest && { note: rest.note }),
          ...('metadata' in rest && { metadata: rest.metadata }),
        })),
    ).toEqual([
      { type: 'close', note: 'done' },
      { type: 'debit' },
      { type: 'unfreeze' },
      { type: 'freeze', note: 'card lost' },
      { type: 'credit' },
      { type: 'open', metadata: { owner: 'cli' } },
    ]);
  });

  it('publish refuses --metadata that is not JSON as a usage error, sending nothing', async ({ expect }) => {
    const child = runScript('scripts/publish.ts', env, ['--user', 'u', '--type', 'open', '--currency', 'EUR', '--metadata', 'owner=cli']);
    expect(await child.exited).toBe(2);
    expect(child.output()).toContain('--metadata must be a JSON object');
  });

  it('publish refuses an invalid command with the issue and exit code 1, sending nothing', async ({ expect }) => {
    const child = runScript('scripts/publish.ts', env, ['--user', 'u', '--amount', '1e2', '--type', 'credit']);
    expect(await child.exited).toBe(1);
    expect(child.output()).toContain('error (invalid_request)');
    expect(child.output()).toContain('amount:');
  });

  it('publish prints only the reply JSON on stdout, its logs go to stderr', async ({ expect }) => {
    const userId = await createUser(wallet, '5.00');
    const child = runScript('scripts/publish.ts', { ...env, LOG_LEVEL: 'info' }, [
      '--user',
      userId,
      '--amount',
      '1.00',
      '--type',
      'credit',
    ]);
    let stdout = '';
    child.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    expect(await child.exited, child.output()).toBe(0);
    expect(child.output()).toContain('"level":30'); // it did log, at info
    expect(JSON.parse(stdout)).toMatchObject({ userId, status: 'applied', newBalance: '6.00' });
  });

  it('balance of an unknown user is a typed error, exit code 1', async ({ expect }) => {
    const child = runScript('scripts/balance.ts', env, ['nobody-at-all']);
    expect(await child.exited).toBe(1);
    expect(child.output()).toContain('error (user_not_found)');
  });

  it('a bad configuration variable stops a script with a message naming it', async ({ expect }) => {
    const child = runScript('scripts/balance.ts', { ...env, WALLET_MAX_RECEIVE_COUNT: 'many' }, ['x']);
    expect(await child.exited).toBe(1);
    expect(child.output()).toContain('WALLET_MAX_RECEIVE_COUNT');
  });
});
