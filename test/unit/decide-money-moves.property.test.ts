import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/ledger/decide/decide.js';
import { readsOf } from '../../src/ledger/decide/decide.js';
import type { TransactionRecord, UserState } from '../../src/ledger/model.js';
import { heldAt } from '../../src/ledger/model.js';
import { balanceEffect } from '../../src/ledger/effects.js';
import type { Command } from '../../src/messages/command.js';
import { moneyMoveStep, moneyMoveCommands } from '../support/money-move-steps.js';

const USERS = ['u1', 'u2', 'u3'];
const START = Date.parse('2026-11-25T10:00:00.000Z');

const step = fc.record({ move: moneyMoveStep, groupEnd: fc.boolean(), advanceMs: fc.integer({ min: 0, max: 1_500 }) });

describe('decide: all seven command types over a few users (random runs, groups of random size)', () => {
  it('keeps available ≥ 0, balance ≥ held, rule 6 for balance and held, and conserves money', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 80 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 3, maxLength: 3 }),
        (steps, openings) => {
          const users = new Map<string, UserState>(
            USERS.map((userId, index) => [userId, { userId, balance: BigInt(openings[index] ?? 0), version: 0, holds: new Map() }]),
          );
          const records = new Map<string, TransactionRecord>();
          let now = START;
          let next = 0;
          let group: Command[] = [];
          const flush = () => {
            if (group.length === 0) return;
            // What the engine does: commands referring to a key of their own group wait for the next one.
            const inGroup = new Set(group.map((command) => command.idempotentKey));
            const ready = group.filter((command) => !readsOf(command, records).references.some((key) => inGroup.has(key)));
            const waiting = group.filter((command) => !ready.includes(command));
            const state = { users, records: new Map([...readyRefs(ready)].map((key) => [key, records.get(key) ?? null])) };
            const result = decide(
              state,
              ready.map((command) => ({ command })),
              { now, newTransactionId: () => `t${next++}`, defaultCurrency: 'USD' },
            );
            for (const [userId, { after }] of result.users) if (after) users.set(userId, after);
            for (const [key, { after }] of result.references) if (after) records.set(key, after);
            for (const decision of result.decisions)
              for (const record of [decision.record, ...decision.legs]) records.set(record.idempotentKey, record);
            group = waiting;
          };
          const readyRefs = (commands: Command[]) => new Set(commands.flatMap((command) => readsOf(command, records).references));
          const commands = moneyMoveCommands(
            steps.map((shape) => shape.move),
            USERS,
            'k',
          );
          steps.forEach((shape, index) => {
            group.push(commands[index] as Command);
            if (shape.groupEnd) {
              flush();
              now += shape.advanceMs;
            }
          });
          flush();
          flush();

          // Rule 6, per user, for balance and held: replay the applied records by version.
          let external = 0n;
          for (const userId of USERS) {
            const applied = [...records.values()]
              .flatMap((record) => (record.status === 'applied' && record.userId === userId ? [record] : []))
              .sort((a, b) => a.version - b.version);
            let balance = BigInt(openings[USERS.indexOf(userId)] ?? 0);
            const open = new Map<string, { amount: bigint; expiresAt: string }>();
            applied.forEach((record, index) => {
              expect(record.version).toBe(index + 1);
              balance += balanceEffect(record);
              if (record.type === 'hold' && record.expiresAt)
                open.set(record.idempotentKey, { amount: record.amount, expiresAt: record.expiresAt });
              if ((record.type === 'capture' || record.type === 'release') && record.holdKey) open.delete(record.holdKey);
              const held = heldAt({ holds: new Map(open) }, Date.parse(record.timestamp));
              expect(record.newBalance).toBe(balance);
              expect(record.newHeld).toBe(held);
              expect(balance - held).toBeGreaterThanOrEqual(0n);
            });
            const user = users.get(userId) as UserState;
            // Closed for good: nothing applies after the close, and it closed empty.
            const closeAt = applied.findIndex((record) => record.type === 'close');
            if (closeAt !== -1) {
              expect(applied.length).toBe(closeAt + 1);
              expect(user).toMatchObject({ status: 'closed', balance: 0n });
            }
            // The status is what the last applied freeze, unfreeze or close made it.
            const statusAfter: Record<string, string> = { freeze: 'frozen', unfreeze: 'active', close: 'closed' };
            const lastStatusChange = applied.filter((record) => record.type in statusAfter).at(-1)?.type ?? 'unfreeze';
            expect(user.status ?? 'active').toBe(statusAfter[lastStatusChange]);
            expect(user.balance).toBe(balance);
            expect(user.balance).toBeGreaterThanOrEqual(heldAt(user, now));
          }
          // Money is conserved: transfers move it, only credits, debits, captures and their reversals bring it in or out.
          for (const record of records.values()) {
            if (record.status !== 'applied' || record.legOf !== undefined) continue;
            if (record.type === 'credit') external += record.amount;
            if (record.type === 'debit' || record.type === 'capture') external -= record.amount;
            if (record.type === 'reverse' && record.originalType === 'credit') external -= record.amount;
            if (record.type === 'reverse' && (record.originalType === 'debit' || record.originalType === 'capture'))
              external += record.amount;
          }
          const total = [...users.values()].reduce((sum, user) => sum + user.balance, 0n);
          expect(total).toBe(openings.reduce((sum, opening) => sum + BigInt(opening), 0n) + external);
        },
      ),
      { numRuns: 300 },
    );
  });
});
