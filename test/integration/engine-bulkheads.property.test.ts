import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/messages/command.js';
import { useCleanups } from '../support/cleanups.js';
import { bumpVersion, describeResult, engineFor, onTransactions, userActionIndex, within } from '../support/engine-harness.js';
import { createUser, uniqueKey } from '../support/wallet.js';

const cleanups = useCleanups();

/** What a random round holds: commands among healthy users, and commands on odd items mixed in. */
type Step =
  | { on: 'healthy'; type: 'credit' | 'debit'; user: number; amount: number }
  | { on: 'healthy'; type: 'transfer'; user: number; to: number; amount: number }
  | {
      on: 'corrupt-user' | 'negative-user' | 'throttled-user' | 'contended-user' | 'corrupt-key';
      type: 'credit' | 'debit';
      amount: number;
    };

const HEALTHY = 3;
const amount = fc.integer({ min: 1, max: 20 });
const user = fc.integer({ min: 0, max: HEALTHY - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ on: fc.constant('healthy' as const), type: fc.constantFrom('credit' as const, 'debit' as const), user, amount }),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ on: fc.constant('healthy' as const), type: fc.constant('transfer' as const), user, to: user, amount })
      .filter((s) => s.user !== s.to),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      on: fc.constantFrom(
        'corrupt-user' as const,
        'negative-user' as const,
        'throttled-user' as const,
        'contended-user' as const,
        'corrupt-key' as const,
      ),
      type: fc.constantFrom('credit' as const, 'debit' as const),
      amount,
    }),
  },
);

describe('bulkheads (fast-check): a round with corrupt, throttled and contended items', () => {
  it('gives every command on healthy items exactly the outcome it gets in a round of its own kind alone', async () => {
    const w = await cleanups.wallet({ WALLET_MAX_CONFLICT_RETRIES: '2' });
    // One injection for the whole test: users in these sets are throttled or changed by another writer on every write.
    const throttled = new Set<string>();
    const contended = new Set<string>();
    onTransactions(w.clients.ddb, async (send, input) => {
      const index = input.TransactItems.findIndex((_, at) =>
        [...throttled].some((userId) => userActionIndex(input, w.config.tables.users, userId) === at),
      );
      if (index >= 0) {
        throw new TransactionCanceledException({
          message: 'Transaction cancelled (injected throttling)',
          $metadata: {},
          CancellationReasons: input.TransactItems.map((_, at) => ({ Code: at === index ? 'ThrottlingError' : 'None' })),
        });
      }
      for (const userId of contended) {
        if (userActionIndex(input, w.config.tables.users, userId) < 0) continue;
        await bumpVersion(w, userId);
      }
      return send();
    });

    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: HEALTHY, maxLength: HEALTHY }),
        fc.array(step, { minLength: 4, maxLength: 24 }),
        async (openings, steps) => {
          const run = uniqueKey('run');
          const healthy = async () => Promise.all(openings.map((opening) => createUser(w, String(opening))));
          const [mixed, alone] = [await healthy(), await healthy()];
          const corruptUser = `corrupt-${run}`;
          await w.clients.ddb.send(new PutCommand({ TableName: w.config.tables.users, Item: { userId: corruptUser, balance: 'a lot' } }));
          const odd = {
            'corrupt-user': corruptUser,
            'negative-user': await createUser(w, '-5'),
            'throttled-user': await createUser(w, '10'),
            'contended-user': await createUser(w, '10'),
          };
          throttled.add(odd['throttled-user']);
          contended.add(odd['contended-user']);
          const corruptKey = `${run}-corrupt-key`;
          await w.clients.ddb.send(
            new PutCommand({
              TableName: w.config.tables.transactions,
              Item: { idempotentKey: corruptKey, userId: 'nobody', status: 'maybe' },
            }),
          );

          const commandOf = (s: Step, index: number, users: string[], world: string): Command => {
            const idempotentKey = s.on === 'corrupt-key' ? corruptKey : `${run}-${world}-${index}`;
            const amountText = String(s.amount);
            if (s.on !== 'healthy')
              return { idempotentKey, userId: s.on === 'corrupt-key' ? (users[0] as string) : odd[s.on], type: s.type, amount: amountText };
            if (s.type === 'transfer')
              return {
                idempotentKey,
                userId: users[s.user] as string,
                toUserId: users[s.to] as string,
                type: 'transfer',
                amount: amountText,
              };
            return { idempotentKey, userId: users[s.user] as string, type: s.type, amount: amountText };
          };
          const firstCorruptKey = steps.findIndex((s) => s.on === 'corrupt-key');
          // One command per key: later uses of the corrupt key become ordinary credits of an odd user.
          const roundSteps = steps.map(
            (s, index): Step => (s.on === 'corrupt-key' && index !== firstCorruptKey ? { ...s, on: 'negative-user' } : s),
          );
          const engine = engineFor(w, cleanups.defer);
          const results = await within(
            'the mixed round',
            30_000,
            engine.submit(roundSteps.map((s, index) => commandOf(s, index, mixed, 'mixed'))),
          );
          const healthyIndexes = roundSteps.flatMap((s, index) => (s.on === 'healthy' ? [index] : []));
          const reference = engineFor(w, cleanups.defer);
          const expected = await within(
            'the healthy commands alone',
            30_000,
            reference.submit(healthyIndexes.map((index) => commandOf(roundSteps[index] as Step, index, alone, 'alone'))),
          );
          expect(healthyIndexes.map((index) => describeResult(results[index]))).toEqual(expected.map(describeResult));
          // And every odd command ended (none left hanging), none of them applied.
          roundSteps.forEach((s, index) => {
            if (s.on !== 'healthy') expect(describeResult(results[index])).toMatch(/^(poison|failed)/);
          });
          throttled.clear();
          contended.clear();
        },
      ),
      { numRuns: 8 },
    );
  }, 240_000);
});
