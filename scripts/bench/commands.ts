import type { Command as AnyCommand, CommandOf, CreditOrDebit as Command } from '../../src/messages/command.js';
import { seededRandom, zipfSampler } from './zipf.js';

/** How a workload spreads commands over its users. */
export type Distribution = 'round-robin' | 'zipf';

/** Zipf exponent of the skewed workload (s = 1: user k gets 1/k of user 1's commands). */
export const ZIPF_S = 1;
const ZIPF_SEED = 20_261_125;

/** Picks the user index of each command, in order. */
export function userPicker(distribution: Distribution, users: number): (index: number) => number {
  if (distribution === 'round-robin') return (index) => index % users;
  // Seeded: the ceiling and the end-to-end run of a scenario see the same sequence of users.
  const sample = zipfSampler(users, ZIPF_S, seededRandom(ZIPF_SEED));
  return () => sample();
}

/**
 * The workload: `count` valid commands spread over the users (round-robin
 * unless told otherwise), credits and small debits alternating (the opening
 * balance covers every debit, so each one is applied and costs the full
 * write path).
 */
export function benchCommands(
  runId: string,
  count: number,
  userIds: readonly string[],
  distribution: Distribution = 'round-robin',
): Command[] {
  const pick = userPicker(distribution, userIds.length);
  return Array.from({ length: count }, (_, index) => ({
    idempotentKey: commandKey(runId, index),
    userId: userIds[pick(index)] as string,
    amount: `${1 + (index % 97)}.${String(index % 100).padStart(2, '0')}`,
    type: index % 2 === 0 ? 'credit' : 'debit',
  }));
}

/** A command of a measured end-to-end run: a credit or debit, or (with a wallet mix) a freeze or unfreeze. */
export type BenchCommand = Command | CommandOf<'freeze' | 'unfreeze'>;

/**
 * The wallet commands an end-to-end run mixes in (SPEC "Wallets"): a share
 * of its users opened through `open` (and credited the seed's opening
 * balance) before the measured run, and freeze/unfreeze pairs during it, on
 * users of their own that move no money, so every money command is still
 * applied and every balance checked.
 */
export interface WalletMix {
  /** Share of the run's users opened through the queue instead of seeded. */
  openedShare: number;
  /** One freeze and its unfreeze every this many commands (they take the place of a credit and a debit). */
  pairEvery: number;
  /** Users the pairs freeze and unfreeze in turn (opened too). */
  statusUsers: number;
}

/** The uniform scenario's mix: 10% of users opened, 2 commands in 250 (0.8%) a freeze or an unfreeze. */
export const UNIFORM_WALLET_MIX: WalletMix = { openedShare: 0.1, pairEvery: 250, statusUsers: 2 };

export function statusUserIds(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `bench-status-${index}`);
}

/** The users of a run opened through `open` rather than seeded: the first `openedShare` of them. */
export function openedUserIds(userIds: readonly string[], mix: WalletMix | undefined): string[] {
  return mix ? userIds.slice(0, Math.ceil(userIds.length * mix.openedShare)) : [];
}

/** The workload with a freeze and an unfreeze (in one batch of 10) in place of the last two commands of every `pairEvery`. */
export function withWalletPairs(commands: readonly Command[], mix: WalletMix): BenchCommand[] {
  const users = statusUserIds(mix.statusUsers);
  return commands.map((command, index): BenchCommand => {
    const place = index % mix.pairEvery;
    if (place < mix.pairEvery - 2) return command;
    const userId = users[Math.floor(index / mix.pairEvery) % users.length] as string;
    return { idempotentKey: command.idempotentKey, userId, type: place === mix.pairEvery - 2 ? 'freeze' : 'unfreeze' };
  });
}

/**
 * The set-up of a run with a wallet mix, in two stages, each answered before the next: open every user
 * (`funded`, then `unfunded`) in `currency`, then credit each of `funded` `openingAmount`. Each stage has
 * its own run id, so its replies are told apart from the measured run's.
 */
export function walletSetupStages(
  setupRunId: string,
  funded: readonly string[],
  unfunded: readonly string[],
  currency: string,
  openingAmount: string,
): { runId: string; commands: AnyCommand[] }[] {
  const creditRunId = `${setupRunId}c`;
  return [
    {
      runId: setupRunId,
      commands: [...funded, ...unfunded].map((userId, index) => ({
        idempotentKey: commandKey(setupRunId, index),
        userId,
        type: 'open',
        currency,
      })),
    },
    {
      runId: creditRunId,
      commands: funded.map((userId, index) => ({
        idempotentKey: commandKey(creditRunId, index),
        userId,
        type: 'credit',
        amount: openingAmount,
      })),
    },
  ];
}

export function commandKey(runId: string, index: number): string {
  return `${runId}-${index}`;
}

/** The index a bench key was built from, or -1 for a key of another run. */
export function commandIndex(runId: string, key: string): number {
  if (!key.startsWith(`${runId}-`)) return -1;
  const index = Number(key.slice(runId.length + 1));
  return Number.isInteger(index) ? index : -1;
}
