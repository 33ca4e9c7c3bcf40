import { NumberValue, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { StoreCircuit } from '../../src/ledger/store-circuit.js';
import { createLogger } from '../../src/logger.js';
import { useCleanups } from '../support/cleanups.js';
import { contendUser, credit, describeResult, engineFor, reverse, throttleUser, transfer, within } from '../support/engine-harness.js';
import { checkLedger } from '../support/ledger-check.js';
import { createUser, uniqueKey } from '../support/wallet.js';

const cleanups = useCleanups();

/**
 * Issue 20: one bad item, one hot key or one odd command never stops
 * anyone else. Each test puts a healthy command in the same round as the
 * odd one and asserts the healthy one gets the outcome it would get alone.
 */
describe('the engine never wedges', () => {
  it('answers a command whose key holds a corrupt record as poison, and decides the other user’s command of the same round', async () => {
    const w = await cleanups.wallet();
    const [owner, bystander] = await Promise.all([createUser(w, '10'), createUser(w, '10')]);
    const corruptKey = uniqueKey('corrupt');
    await w.clients.ddb.send(
      new PutCommand({
        TableName: w.config.tables.transactions,
        Item: { idempotentKey: corruptKey, userId: owner, type: 'credit', status: 'maybe', timestamp: 'yesterday' },
      }),
    );
    const engine = engineFor(w, cleanups.defer);
    const results = await within('the round', 10_000, engine.submit([credit(owner, '1', corruptKey), credit(bystander, '1')]));
    expect(results.map(describeResult)).toEqual(['poison', 'applied 11.00']);
    // And the engine is not left re-sending the poison: the next command is decided at once.
    expect((await within('the next round', 10_000, engine.submit([credit(owner, '2')]))).map(describeResult)).toEqual(['applied 12.00']);
  });

  it('makes the commands of a user whose stored balance is negative poison, and decides every other command of the round', async () => {
    const w = await cleanups.wallet();
    const [negative, bystander] = await Promise.all([createUser(w, '-5'), createUser(w, '10')]);
    const engine = engineFor(w, cleanups.defer);
    const results = await within(
      'the round',
      10_000,
      engine.submit([credit(negative, '1'), credit(bystander, '1'), credit(negative, '10')]),
    );
    expect(results.map(describeResult)).toEqual(['poison', 'applied 11.00', 'poison']);
    expect(results[0]).toMatchObject({ error: { code: 'corrupt_item', message: expect.stringContaining('negative') } });
  });

  it('keeps a round within 100 actions when a reversal of a transfer joins two busy users: every command applied', async () => {
    const w = await cleanups.wallet();
    const [payer, recipient, bystander] = await Promise.all([createUser(w, '1000'), createUser(w, '1000'), createUser(w, '10')]);
    const original = uniqueKey('transfer');
    await w.transact(transfer(payer, recipient, '10', original));
    const engine = engineFor(w, cleanups.defer);
    const commands = [
      ...Array.from({ length: 60 }, () => credit(payer, '1')),
      ...Array.from({ length: 60 }, () => credit(recipient, '1')),
      reverse(payer, original),
      credit(bystander, '1'),
    ];
    const results = await within('the round', 20_000, engine.submit(commands));
    expect(results.map(describeResult).filter((line) => !line.startsWith('applied'))).toEqual([]);
    expect(results.at(-2)).toMatchObject({ kind: 'decided', outcome: { record: { status: 'applied', amount: 10_000n } } });
    for (const [userId, opening] of [
      [payer, '1000'],
      [recipient, '1000'],
    ] as const)
      expect((await checkLedger(w, userId, opening)).problems).toEqual([]);
  });

  it('makes a command that needs more actions than a transaction may hold poison, instead of spinning on it', async () => {
    const w = await cleanups.wallet();
    const [payer, recipient, bystander] = await Promise.all([createUser(w, '100'), createUser(w, '100'), createUser(w, '10')]);
    const engine = engineFor(w, cleanups.defer, { config: { ...w.config, groupCommit: { enabled: true, maxActions: 3 } } });
    const results = await within('the round', 10_000, engine.submit([transfer(payer, recipient, '1'), credit(bystander, '1')]));
    expect(results.map(describeResult)).toEqual(['poison', 'applied 11.00']);
    expect(results[0]).toMatchObject({ error: { code: 'command_too_large' } });
  });

  it('keeps a transaction under 4 MB: fifty users with large holds maps are each credited', async () => {
    const w = await cleanups.wallet();
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    // 255 four-byte characters per hold key, the longest key a command may have.
    const holdKey = (index: number) => `${'\u{1F4B0}'.repeat(251)}${String(index).padStart(4, '0')}`;
    const users: string[] = [];
    // One at a time: 5 MB written at once outlasts the client's request timeout on a busy machine.
    for (let count = 0; count < 50; count++) {
      const userId = `fat-${uniqueKey()}`;
      const holds = Object.fromEntries(
        Array.from({ length: 100 }, (_, index) => [holdKey(index), { amount: NumberValue.from('0.01'), expiresAt }]),
      );
      await w.clients.ddb.send(
        new PutCommand({ TableName: w.config.tables.users, Item: { userId, balance: NumberValue.from('10'), version: 0, holds } }),
      );
      users.push(userId);
    }
    const engine = engineFor(w, cleanups.defer);
    const results = await within('the round', 60_000, engine.submit(users.map((userId) => credit(userId, '1'))));
    expect(new Set(results.map(describeResult))).toEqual(new Set(['applied 11.00']));
  }, 120_000);

  it('rides out throttling of one user’s item without spending its conflict retries: applied once the throttling ends', async () => {
    const w = await cleanups.wallet({ WALLET_MAX_CONFLICT_RETRIES: '2' });
    const [hot, bystander] = await Promise.all([createUser(w, '10'), createUser(w, '10')]);
    let throttling = true;
    const throttle = throttleUser(w, hot, () => throttling);
    const states: string[] = [];
    const circuit = new StoreCircuit(
      async () => undefined,
      createLogger('silent'),
      { minProbeDelayMs: 5, maxProbeDelayMs: 20 },
      (state) => states.push(state),
    );
    const engine = engineFor(w, cleanups.defer, { circuit });
    const hotResult = engine.submit([credit(hot, '1')]);
    const bystanderResults = await within('the bystander', 10_000, engine.submit([credit(bystander, '1')]));
    expect(bystanderResults.map(describeResult)).toEqual(['applied 11.00']);
    await within(
      'six throttled attempts',
      20_000,
      waitUntil(() => throttle.throttled() >= 6),
    );
    throttling = false;
    expect((await within('the hot command', 20_000, hotResult)).map(describeResult)).toEqual(['applied 11.00']);
    // Store pressure pauses through the circuit (the worker stops polling), as an outage does.
    expect(states).toContain('open');
  });

  it('charges a conflict to the user whose item changed, never to a bystander decided in the same transaction', async () => {
    const w = await cleanups.wallet({ WALLET_MAX_CONFLICT_RETRIES: '2' });
    const [contended, bystander] = await Promise.all([createUser(w, '10'), createUser(w, '10')]);
    const contention = contendUser(w, contended, () => true);
    const engine = engineFor(w, cleanups.defer);
    const results = await within('the round', 10_000, engine.submit([credit(contended, '1'), credit(bystander, '1')]));
    expect(results.map(describeResult)).toEqual(['failed conflict_retries_exhausted', 'applied 11.00']);
    expect(results[0]).toMatchObject({ error: { message: expect.stringContaining(contended) } });
    expect(contention.changes()).toBe(3);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}
