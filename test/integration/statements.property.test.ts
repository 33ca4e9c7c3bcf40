import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src/query/history.js';
// An empty window ([ms m, entry m.000) names no instant after its start) is refused as invalid, not stated.
import { StatementPeriodSchema } from '../../src/query/statement-schemas.js';
import { useCleanups } from '../support/cleanups.js';
import { moneyMoveCommands, moneyMoveStep } from '../support/money-move-steps.js';
import { cents, createUserAt, historyOldestFirst, msPrefix } from '../support/statement-helpers.js';
import { uniqueKey } from '../support/wallet.js';

const cleanups = useCleanups();
const iso = (ms: number) => new Date(ms).toISOString();

/** Where a bound falls among stored timestamps: an entry's own 6-digit timestamp is exact, any other instant is its millisecond's start. */
const boundKey = (instant: string) => (/\.\d{6}Z$/.test(instant) ? instant : msPrefix(Date.parse(instant)));

describe('statements over random money moves (fast-check)', () => {
  it('keep opening + in − out = closing, list exactly the applied entries of the window, and agree with getBalanceAt', async () => {
    const w = await cleanups.wallet();
    const createdAt = iso(Date.now() - 3_600_000);

    await fc.assert(
      fc.asyncProperty(
        fc.array(moneyMoveStep, { minLength: 8, maxLength: 25 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 3, maxLength: 6 }),
        async (steps, windows) => {
          const users = [
            await createUserAt(w, '40', createdAt),
            await createUserAt(w, '25', createdAt),
            await createUserAt(w, '10', createdAt),
          ];
          const commands = moneyMoveCommands(steps, users, uniqueKey('run'));
          // All at once: the engine decides several commands of one wallet in the same millisecond.
          await Promise.all(commands.map((command) => w.transact(command)));
          const userId = users[0] ?? '';
          const history = await historyOldestFirst(w, userId);
          const applied = history.filter((entry) => entry.status === 'applied');

          await Promise.all(
            applied.map(async (entry) => {
              const at = await w.getBalanceAt({ userId, at: entry.timestamp });
              expect(at, entry.timestamp).toMatchObject({ balance: entry.newBalance, available: entry.available });
            }),
          );

          // Bounds: before the wallet, right after its creation, each entry's own time, its millisecond, the next one, later.
          const candidates = [
            iso(Date.parse(createdAt) - 3_600_000),
            iso(Date.parse(createdAt) + 1),
            ...history.flatMap((entry) => [entry.timestamp, iso(Date.parse(entry.timestamp)), iso(Date.parse(entry.timestamp) + 1)]),
            iso(Date.now() + 1_000),
          ].sort((a, b) => (boundKey(a) < boundKey(b) ? -1 : boundKey(a) > boundKey(b) ? 1 : 0));
          const periods = windows.map(
            ([a, b]) =>
              [candidates[Math.min(a, b) % candidates.length] ?? '', candidates[Math.max(a, b) % candidates.length] ?? ''] as const,
          );
          await Promise.all(
            periods
              .filter(([from, to]) => boundKey(from) < boundKey(to) && StatementPeriodSchema.safeParse({ userId, from, to }).success)
              .map(([from, to]) => checkWindow(from, to)),
          );

          async function checkWindow(from: string, to: string) {
            const inWindow = applied.filter((entry) => entry.timestamp >= boundKey(from) && entry.timestamp < boundKey(to));
            const before = applied.filter((entry) => entry.timestamp < boundKey(from)).at(-1);
            const opening = before?.newBalance ?? '40.00';
            const statement = await w.getStatement({ userId, from, to, limit: 500 });
            const label = `[${from}, ${to})`;
            expect(
              statement.entries.map((entry) => entry.transactionId),
              label,
            ).toEqual(inWindow.map((entry: HistoryEntry) => entry.transactionId));
            expect(statement.openingBalance, label).toBe(opening);
            expect(statement.closingBalance, label).toBe(inWindow.at(-1)?.newBalance ?? opening);
            expect(cents(statement.openingBalance) + cents(statement.totalIn) - cents(statement.totalOut), label).toBe(
              cents(statement.closingBalance),
            );
            let running = cents(statement.openingBalance);
            for (const entry of statement.entries) {
              running += cents(entry.moneyIn) - cents(entry.moneyOut);
              expect(cents(entry.newBalance), entry.transactionId).toBe(running);
            }
            // Both ends as getBalanceAt: the state just before `to`, and (once the wallet existed) just before `from`.
            const last = inWindow.at(-1);
            if (last)
              await expect(w.getBalanceAt({ userId, at: last.timestamp })).resolves.toMatchObject({ balance: statement.closingBalance });
            if (!/\.\d{6}Z$/.test(to))
              await expect(w.getBalanceAt({ userId, at: iso(Date.parse(to) - 1) })).resolves.toMatchObject({
                balance: statement.closingBalance,
              });
            if (!/\.\d{6}Z$/.test(from) && Date.parse(from) > Date.parse(createdAt)) {
              await expect(w.getBalanceAt({ userId, at: iso(Date.parse(from) - 1) })).resolves.toMatchObject({
                balance: statement.openingBalance,
              });
            }
          }
        },
      ),
      { numRuns: 5 },
    );
  }, 180_000);
});
