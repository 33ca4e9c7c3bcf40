import { formatMoney } from '../../src/money/money.js';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { LedgerEngine, type EngineResult } from '../../src/ledger/engine.js';
import { StoreCircuit } from '../../src/ledger/store-circuit.js';
import { createLogger } from '../../src/logger.js';
import type { Command } from '../../src/messages/command.js';
import type { Wallet } from '../../src/wallet.js';
import { useCleanups } from '../support/cleanups.js';
import { eventually } from '../support/eventually.js';
import { checkLedger } from '../support/ledger-check.js';
import { createUser, uniqueKey } from '../support/wallet.js';

const cleanups = useCleanups();
const logger = createLogger('silent');

/** Counts (and lets a test intercept) the TransactWriteItems the engine sends, above or below the SDK's retries. */
function transactions(
  ddb: DynamoDBDocumentClient,
  intercept?: (send: () => Promise<unknown>, call: number, input: { TransactItems?: unknown[] }) => Promise<unknown>,
  where: 'above-retries' | 'below-retries' = 'above-retries',
) {
  const seen = { calls: 0 };
  const middleware = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
    if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
    const call = ++seen.calls;
    const input = (args as { input: { TransactItems?: unknown[] } }).input;
    return intercept ? intercept(() => next(args), call, input) : next(args);
  };
  const stack = ddb.middlewareStack as unknown as {
    add(m: unknown, o: object): void;
    addRelativeTo(m: unknown, o: object): void;
  };
  if (where === 'above-retries') stack.add(middleware, { step: 'initialize', name: `count-${uniqueKey()}`, priority: 'high' });
  else stack.addRelativeTo(middleware, { relation: 'after', toMiddleware: 'retryMiddleware', name: `count-${uniqueKey()}` });
  return seen;
}

function engineFor(w: Wallet, options: { circuit?: StoreCircuit } = {}) {
  const engine = new LedgerEngine({ ddb: w.clients.ddb, config: w.config, logger, ...options });
  cleanups.defer(() => engine.stop());
  return engine;
}

const credit = (userId: string, amount: string, idempotentKey = uniqueKey('c')): Command => ({
  idempotentKey,
  userId,
  type: 'credit',
  amount,
});
const debit = (userId: string, amount: string, idempotentKey = uniqueKey('d')): Command => ({
  idempotentKey,
  userId,
  type: 'debit',
  amount,
});

function describeResult(result: EngineResult | undefined): string {
  if (result?.kind !== 'decided') return result?.kind ?? 'none';
  const { outcome } = result;
  if (outcome.kind === 'key_reused') return 'idempotency_key_reused';
  const { record } = outcome;
  return `${record.status === 'applied' ? `applied ${formatMoney(record.newBalance, 2)}` : record.reason}${outcome.replayed ? ' replayed' : ''}`;
}

describe('group commit: many commands, one transaction', () => {
  it('writes a group of many users’ commands in one TransactWriteItems', async () => {
    const w = await cleanups.wallet();
    const users = await Promise.all(Array.from({ length: 5 }, () => createUser(w, '10')));
    const engine = engineFor(w);
    const seen = transactions(w.clients.ddb);
    const results = await engine.submit(users.flatMap((userId) => [credit(userId, '1'), debit(userId, '2'), credit(userId, '3')]));
    expect(results.map(describeResult)).toEqual(users.flatMap(() => ['applied 11.00', 'applied 9.00', 'applied 12.00']));
    expect(seen.calls).toBe(1);
    for (const userId of users) expect((await checkLedger(w, userId, '10')).problems).toEqual([]);
  });

  it('splits a group cancelled by one stale user and two existing keys: each command decided once, the stale user from the item DynamoDB handed back', async () => {
    const w = await cleanups.wallet();
    const [alice, bob, carol] = [await createUser(w, '100'), await createUser(w, '50'), await createUser(w, '10')];
    const engine = engineFor(w);
    await engine.submit([credit(alice, '1')]); // the engine now knows alice at 101
    await w.transact(credit(alice, '5')); // another writer moves her to 106 behind its back
    const replayKey = uniqueKey('stored');
    await w.transact(credit(bob, '3', replayKey));
    const reusedKey = uniqueKey('stored-other');
    await w.transact(credit(bob, '4', reusedKey));

    const seen = transactions(w.clients.ddb);
    const results = await engine.submit([
      debit(alice, '6'),
      credit(bob, '3', replayKey),
      credit(carol, '1', reusedKey),
      credit(carol, '1'),
      credit(alice, '1'),
    ]);
    expect(results.map(describeResult)).toEqual([
      'applied 100.00',
      'applied 53.00 replayed',
      'idempotency_key_reused',
      'applied 11.00',
      'applied 101.00',
    ]);
    // One cancelled by both rules at once, then one for the rest: no read, no storm.
    expect(seen.calls).toBe(2);
    expect((await checkLedger(w, alice, '100')).problems).toEqual([]);
    await expect(w.getCurrentBalance({ userId: carol })).resolves.toMatchObject({ balance: '11.00' });
  });

  it('decides on the item handed back when the cached state’s version changed but its balance did not', async () => {
    const w = await cleanups.wallet();
    const userId = await createUser(w, '10');
    const engine = engineFor(w);
    await engine.submit([credit(userId, '1')]);
    await w.transact(credit(userId, '5'));
    await w.transact(debit(userId, '5'));
    const [result] = await engine.submit([debit(userId, '3')]);
    expect(result).toMatchObject({ kind: 'decided', outcome: { record: { status: 'applied', newBalance: 8_000n, version: 4 } } });
    expect((await checkLedger(w, userId, '10')).problems).toEqual([]);
  });

  for (const reasons of [['TransactionConflict'], ['ThrottlingError'], ['ConditionalCheckFailed', 'TransactionConflict']]) {
    it(`backs off and decides every command once when a transaction is cancelled with mixed reasons (${reasons.join(', ')} among None)`, async () => {
      const w = await cleanups.wallet();
      const users = [await createUser(w, '10'), await createUser(w, '10')];
      const engine = engineFor(w);
      const seen = transactions(w.clients.ddb, async (send, call, input) => {
        if (call > 1) return send();
        // Stubbed at the SDK middleware: DynamoDB Local never cancels with these reasons itself.
        const count = input.TransactItems?.length ?? 0;
        const codes = Array.from({ length: count }, (_, index) =>
          reasons[index % reasons.length] === 'ConditionalCheckFailed' && index !== 0
            ? 'None'
            : (reasons[index % reasons.length] ?? 'None'),
        );
        throw new TransactionCanceledException({
          message: 'Transaction cancelled (stub)',
          $metadata: {},
          CancellationReasons: codes.map((Code) => ({ Code })),
        });
      });
      const results = await engine.submit(users.flatMap((userId) => [credit(userId, '1'), debit(userId, '5')]));
      expect(results.map(describeResult)).toEqual(['applied 11.00', 'applied 6.00', 'applied 11.00', 'applied 6.00']);
      expect(seen.calls).toBe(2);
      for (const userId of users) expect((await checkLedger(w, userId, '10')).problems).toEqual([]);
    });
  }

  it('fails the commands (to be retried later) when a cancellation reason says the request itself is wrong', async () => {
    const w = await cleanups.wallet();
    const userId = await createUser(w, '10');
    const engine = engineFor(w);
    transactions(w.clients.ddb, async (send, call) => {
      if (call > 1) return send();
      throw new TransactionCanceledException({
        message: 'stub',
        $metadata: {},
        CancellationReasons: [{ Code: 'ValidationError' }, { Code: 'None' }],
      });
    });
    const [first] = await engine.submit([credit(userId, '1')]);
    expect(first).toMatchObject({ kind: 'failed', error: { code: 'store_fault' } });
    await expect(w.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '10.00' });
  });

  it('applies once, not as a replay, when the SDK retries a transaction that had committed and lost its answer', async () => {
    const w = await cleanups.wallet();
    const userId = await createUser(w, '10');
    const engine = engineFor(w);
    const seen = transactions(
      w.clients.ddb,
      async (send, call) => {
        const result = await send();
        if (call === 1)
          throw Object.assign(new Error('socket hang up (injected after commit)'), { name: 'TimeoutError', code: 'ECONNRESET' });
        return result;
      },
      'below-retries',
    );
    const [result] = await engine.submit([credit(userId, '2.50')]);
    expect(seen.calls).toBe(2);
    expect(describeResult(result)).toBe('applied 12.50');
    const ledger = await checkLedger(w, userId, '10');
    expect(ledger.problems).toEqual([]);
    expect(ledger.applied).toHaveLength(1);
  });

  it('finds its own earlier commit after an unanswered transaction and an outage pause: applied once, not a replay', async () => {
    const w = await cleanups.wallet();
    const userId = await createUser(w, '10');
    const circuit = new StoreCircuit(async () => undefined, logger, { minProbeDelayMs: 10, maxProbeDelayMs: 10 });
    const engine = engineFor(w, { circuit });
    const seen = transactions(w.clients.ddb, async (send, call) => {
      const result = await send();
      if (call === 1)
        throw Object.assign(new Error('connection reset (injected after commit)'), { name: 'TimeoutError', code: 'ECONNRESET' });
      return result;
    });
    const [result] = await engine.submit([debit(userId, '4')]);
    expect(seen.calls).toBe(2);
    expect(describeResult(result)).toBe('applied 6.00');
    expect((await checkLedger(w, userId, '10')).applied).toHaveLength(1);
  });

  it('answers the commands of a transaction that committed while the round’s other transaction is still in flight', async () => {
    const w = await cleanups.wallet({ WALLET_GROUP_MAX_ACTIONS: '5' });
    const [blocker, alice, bob] = await Promise.all([createUser(w, '10'), createUser(w, '10'), createUser(w, '10')]);
    const engine = engineFor(w);
    const gate = (userId: string) => {
      let entered: () => void = () => undefined;
      let release: () => void = () => undefined;
      return {
        userId,
        entered: new Promise<void>((resolve) => (entered = resolve)),
        released: new Promise<void>((resolve) => (release = resolve)),
        enter: () => entered(),
        release: () => release(),
      };
    };
    const gates = [gate(blocker), gate(bob)];
    // Newest first: a failing test opens the gates before the engine is stopped.
    cleanups.defer(() => {
      for (const held of gates) held.release();
    });
    const seen = transactions(w.clients.ddb, async (send, _call, input) => {
      const held = gates.find((candidate) => JSON.stringify(input).includes(candidate.userId));
      if (held) {
        held.enter();
        await held.released;
      }
      return send();
    });
    const [blockerGate, bobGate] = gates as [ReturnType<typeof gate>, ReturnType<typeof gate>];
    // While a first round writes, alice's and bob's commands wait together for the next one, which
    // needs two transactions (3 Puts + 1 Update each, at most 5 actions per transaction).
    const first = engine.submit([credit(blocker, '1')]);
    await blockerGate.entered;
    const aliceResults = engine.submit([credit(alice, '1'), credit(alice, '1'), debit(alice, '5')]);
    const bobResults = engine.submit([credit(bob, '2'), credit(bob, '2'), debit(bob, '5')]);
    blockerGate.release();
    await first;
    await bobGate.entered;

    // Bob's transaction has not ended, and alice is answered all the same.
    let aliceAnswered: EngineResult[] | undefined;
    void aliceResults.then((results) => (aliceAnswered = results));
    const answered = await eventually('alice answered while bob’s transaction is held', () => aliceAnswered, 10_000);
    expect(answered.map(describeResult)).toEqual(['applied 11.00', 'applied 12.00', 'applied 7.00']);
    bobGate.release();
    expect((await bobResults).map(describeResult)).toEqual(['applied 12.00', 'applied 14.00', 'applied 9.00']);
    expect(seen.calls).toBe(3);
    for (const userId of [alice, bob]) expect((await checkLedger(w, userId, '10')).problems).toEqual([]);
  });

  it('writes one transaction per command when grouping is off', async () => {
    const w = await cleanups.wallet({ WALLET_GROUP_COMMIT: 'false' });
    const userId = await createUser(w, '10');
    const engine = engineFor(w);
    const seen = transactions(w.clients.ddb);
    const results = await engine.submit([credit(userId, '1'), credit(userId, '1'), debit(userId, '12')]);
    expect(results.map(describeResult)).toEqual(['applied 11.00', 'applied 12.00', 'applied 0.00']);
    expect(seen.calls).toBe(3);
  });

  it('writes one transaction per command when grouping is off, also for commands of different users decided together', async () => {
    const w = await cleanups.wallet({ WALLET_GROUP_COMMIT: 'false' });
    const users = [await createUser(w, '10'), await createUser(w, '10'), await createUser(w, '10')];
    const engine = engineFor(w);
    const seen = transactions(w.clients.ddb);
    const results = await engine.submit(users.map((userId) => credit(userId, '1')));
    expect(results.map(describeResult)).toEqual(['applied 11.00', 'applied 11.00', 'applied 11.00']);
    expect(seen.calls).toBe(3);
  });
});
