import type { Command, MoneyCommand } from '../../src/messages/command.js';
import type { StickyRejection } from '../../src/messages/reply.js';
import { formatMoney } from '../../src/money/money.js';
import { integerBetween, pick, type Random } from '../support/random.js';
import type { PlannedUser } from './command-plan.js';

/**
 * The wallet commands of a chaos run (SPEC "Wallets"): some users come into
 * being through `open` rather than the seed, a few are closed before the
 * traffic starts and are then sent commands they must refuse, users are
 * frozen and unfrozen among the traffic, and money commands name a currency
 * (mostly their wallet's, sometimes another or an amount finer than it).
 */
export interface WalletMix {
  /** Users created through `open` (every third in EUR, the rest in USD) and then part of the traffic like seeded ones. */
  opened: number;
  /**
   * Users closed before the traffic: the even ones seeded, drained with a debit of their whole balance
   * and closed; the odd ones opened, frozen and closed (a frozen wallet closes at 0).
   */
  closed: number;
  /** Fraction of commands that freeze a user of the traffic; its unfreeze follows a few commands later. */
  freezeRate: number;
  /** Fraction of extra commands sent to a closed wallet (or transfers to one): all refused. */
  closedRate: number;
  /** Fraction of money commands that name a currency: their wallet's 3 times in 4, else another, or a credit finer than the wallet's currency. */
  currencyRate: number;
}

/** What the record of a command may say: `applied` or the sticky rejections it may meet (absent: not predicted). */
export type Outcome = 'applied' | StickyRejection;

export interface WalletUsers {
  /** Users of the traffic opened through `open`. */
  opened: PlannedUser[];
  /** Users closed before the traffic. */
  closed: PlannedUser[];
}

export function walletUsers(mix: WalletMix, random: Random, runId: string): WalletUsers {
  return {
    opened: Array.from({ length: mix.opened }, (_, index) => ({
      userId: `chaos-${runId}-opened-${index}`,
      openingBalance: '0.00',
      currency: index % 3 === 2 ? 'EUR' : 'USD',
      opened: true,
    })),
    closed: Array.from({ length: mix.closed }, (_, index) =>
      index % 2 === 0
        ? {
            userId: `chaos-${runId}-closed-${index}`,
            openingBalance: `${integerBetween(random, 50, 120)}.00`,
            currency: 'USD',
            closes: true,
          }
        : { userId: `chaos-${runId}-closed-${index}`, openingBalance: '0.00', currency: 'USD', opened: true, closes: true },
    ),
  };
}

export interface StagedCommand {
  command: Command;
  expected: readonly Outcome[];
}

/**
 * The prelude, in stages each answered before the next starts: (1) every
 * open and every drain; (2) the opened closers frozen, and a close of a
 * seeded user that still holds its opening balance (`wallet_not_empty`);
 * (3) every closer closed. Only then can the traffic count on who exists
 * and who is closed.
 */
export function preludeStages(users: WalletUsers, notEmpty: PlannedUser | undefined, runId: string): StagedCommand[][] {
  const key = (what: string, userId: string) => `chaos-${runId}-${what}-${userId.slice(`chaos-${runId}-`.length)}`;
  const opens = [...users.opened, ...users.closed.filter((user) => user.opened)].map(
    (user): StagedCommand => ({
      command: {
        idempotentKey: key('open', user.userId),
        userId: user.userId,
        type: 'open',
        currency: user.currency ?? 'USD',
        metadata: { chaos: runId },
      },
      expected: ['applied'],
    }),
  );
  const drains = users.closed
    .filter((user) => !user.opened)
    .map(
      (user): StagedCommand => ({
        command: { idempotentKey: key('drain', user.userId), userId: user.userId, type: 'debit', amount: user.openingBalance },
        expected: ['applied'],
      }),
    );
  const freezes = users.closed
    .filter((user) => user.opened)
    .map(
      (user): StagedCommand => ({
        command: { idempotentKey: key('freeze', user.userId), userId: user.userId, type: 'freeze', note: 'before closing' },
        expected: ['applied'],
      }),
    );
  const refusedClose: StagedCommand[] = notEmpty
    ? [
        {
          command: { idempotentKey: key('close', notEmpty.userId), userId: notEmpty.userId, type: 'close' },
          expected: ['wallet_not_empty'],
        },
      ]
    : [];
  const closes = users.closed.map(
    (user): StagedCommand => ({
      command: { idempotentKey: key('close', user.userId), userId: user.userId, type: 'close', note: 'chaos' },
      expected: ['applied'],
    }),
  );
  return [[...opens, ...drains], [...freezes, ...refusedClose], closes].filter((stage) => stage.length > 0);
}

/**
 * A command the traffic sends to a closed wallet: anything its holder could
 * send (refused `wallet_closed`; a second open `wallet_exists`), or a
 * transfer to it from a user of the traffic (`recipient_closed`, unless the
 * payer cannot afford it or is frozen).
 */
export function toClosedWallet(
  idempotentKey: string,
  closed: PlannedUser,
  traffic: PlannedUser[],
  random: Random,
  runId: string,
): StagedCommand {
  const userId = closed.userId;
  const amount = formatMoney(BigInt(integerBetween(random, 1, 500)) * 10n, 2);
  const closedOnly: StagedCommand['expected'] = ['wallet_closed'];
  switch (integerBetween(random, 0, 8)) {
    case 0:
      return { command: { idempotentKey, userId, type: 'credit', amount }, expected: closedOnly };
    case 1:
      return { command: { idempotentKey, userId, type: 'debit', amount, currency: 'USD' }, expected: closedOnly };
    case 2:
      return { command: { idempotentKey, userId, type: 'hold', amount }, expected: closedOnly };
    case 3:
      return { command: { idempotentKey, userId, type: pick(random, ['freeze', 'unfreeze', 'close'] as const) }, expected: closedOnly };
    case 4:
      return { command: { idempotentKey, userId, type: 'open', currency: 'USD' }, expected: ['wallet_exists'] };
    case 5: {
      // Its own drain, when it had one: a closed wallet takes no correction either.
      const drain = `chaos-${runId}-drain-${userId.slice(`chaos-${runId}-`.length)}`;
      return {
        command: { idempotentKey, userId, type: 'reverse', originalKey: closed.opened ? `${idempotentKey}-nothing` : drain },
        expected: closedOnly,
      };
    }
    case 6:
      return { command: { idempotentKey, userId, type: 'release', holdKey: `${idempotentKey}-nothing` }, expected: closedOnly };
    default:
      return {
        command: { idempotentKey, userId: pick(random, traffic).userId, type: 'transfer', amount, toUserId: userId },
        expected: ['recipient_closed', 'insufficient_funds', 'wallet_frozen'],
      };
  }
}

/**
 * A money command naming a currency: its wallet's (no change), another
 * (`currency_mismatch`), or, for a credit, an amount with a third decimal
 * its two-decimal wallet cannot hold (`amount_not_representable`).
 */
export function withCurrency(command: MoneyCommand, user: PlannedUser, random: Random): StagedCommand | undefined {
  if (!('amount' in command)) return undefined;
  const own = user.currency ?? 'USD';
  const draw = random();
  if (draw < 0.75) return { command: { ...command, currency: own }, expected: [] };
  if (draw < 0.9) return { command: { ...command, currency: own === 'USD' ? 'EUR' : 'USD' }, expected: ['currency_mismatch'] };
  return {
    command: {
      idempotentKey: command.idempotentKey,
      userId: command.userId,
      type: 'credit',
      amount: `${integerBetween(random, 1, 99)}.${integerBetween(random, 1, 9)}${integerBetween(random, 1, 9)}${integerBetween(random, 1, 9)}`,
    },
    expected: ['amount_not_representable'],
  };
}
