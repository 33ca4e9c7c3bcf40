import fc from 'fast-check';
import type { Command } from '../../src/messages/command.js';
import { formatMoney } from '../../src/money/money.js';

/**
 * Random runs of all eleven command types (the seven money moves, and now and
 * then a wallet command: freeze, unfreeze, close, or an open of an id that
 * exists) over three users, for the property
 * tests of the money moves: each step names its user and the other party by
 * index, and refers to an earlier key (a hold, an original) by index too, so
 * captures, releases and reversals hit real records as often as not.
 */
export const moneyMoveStep = fc.record({
  type: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('credit', 'debit', 'transfer', 'hold', 'capture', 'release', 'reverse') },
    { weight: 1, arbitrary: fc.constantFrom('freeze', 'unfreeze', 'close', 'open') },
  ),
  user: fc.nat(2),
  other: fc.integer({ min: 1, max: 2 }),
  cents: fc.integer({ min: 1, max: 5_000 }),
  withAmount: fc.boolean(),
  expiresIn: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  ref: fc.nat(),
});

export type MoneyMoveStep = typeof moneyMoveStep extends fc.Arbitrary<infer T> ? T : never;

/** The steps as commands with keys `<prefix>-<index>` over `users` (three of them). */
export function moneyMoveCommands(steps: readonly MoneyMoveStep[], users: readonly string[], prefix: string): Command[] {
  const keys: string[] = [];
  return steps.map((shape, index) => {
    const idempotentKey = `${prefix}-${index}`;
    const userId = users[shape.user] as string;
    const amount = formatMoney(BigInt(shape.cents) * 10n, 2);
    const earlier = keys.length > 0 ? (keys[shape.ref % keys.length] as string) : `${prefix}-none`;
    keys.push(idempotentKey);
    switch (shape.type) {
      case 'credit':
      case 'debit':
        return { idempotentKey, userId, type: shape.type, amount };
      case 'transfer':
        return { idempotentKey, userId, type: 'transfer', amount, toUserId: users[(shape.user + shape.other) % 3] as string };
      case 'hold':
        return { idempotentKey, userId, type: 'hold', amount, ...(shape.expiresIn !== undefined && { expiresInSeconds: shape.expiresIn }) };
      case 'capture':
        return { idempotentKey, userId, type: 'capture', holdKey: earlier, ...(shape.withAmount && { amount }) };
      case 'release':
        return { idempotentKey, userId, type: 'release', holdKey: earlier };
      case 'freeze':
      case 'unfreeze':
      case 'close':
        return { idempotentKey, userId, type: shape.type };
      case 'open':
        return { idempotentKey, userId, type: 'open', currency: 'USD' };
      default:
        return { idempotentKey, userId, type: 'reverse', originalKey: earlier, ...(shape.withAmount && { amount }) };
    }
  });
}

/** Money in or out of the wallet by an applied command (transfers only move it), as its reply reports the amount. */
export function externalFlow(command: Command, amount: bigint, commands: readonly Command[]): bigint {
  if (command.type === 'credit') return amount;
  if (command.type === 'debit' || command.type === 'capture') return -amount;
  if (command.type !== 'reverse') return 0n;
  const original = commands.find((other) => other.idempotentKey === command.originalKey);
  if (original?.type === 'credit') return -amount;
  return original?.type === 'debit' || original?.type === 'capture' ? amount : 0n;
}
