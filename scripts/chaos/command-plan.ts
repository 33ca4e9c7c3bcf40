import type { Command, MoneyCommand } from '../../src/messages/command.js';
import { formatMoney, parseAmount } from '../../src/money/money.js';
import { integerBetween, pick, type Random } from '../support/random.js';
import {
  preludeStages,
  toClosedWallet,
  walletUsers,
  withCurrency,
  type Outcome,
  type StagedCommand,
  type WalletMix,
} from './wallet-mix.js';

export interface PlanShape {
  /** Distinct valid commands (reused-key variants come on top). */
  commands: number;
  users: number;
  /** Fraction of commands sent more than once. */
  duplicateRate: number;
  /** Fraction of commands whose key is reused by another command with a different payload. */
  reusedKeyRate: number;
  /** Fraction of extra commands for a user that does not exist (sticky user_not_found). */
  ghostRate: number;
  /** Fraction of extra bodies that are not valid commands but carry a readable key. */
  invalidRate: number;
  /** Fraction of commands made for the first user (a hot wallet); absent: users are picked evenly. */
  hotShare?: number;
  /** The wallet commands mixed in (wallet-mix.ts); absent: money commands over seeded users only. */
  wallets?: WalletMix;
}

export interface PlannedUser {
  userId: string;
  /** The balance it is seeded with; `0.00` for one opened through `open`. */
  openingBalance: string;
  /** The wallet's currency (absent: USD). */
  currency?: string;
  /** Created by an `open` command of the plan, not seeded. */
  opened?: boolean;
  /** Closed before the traffic starts (wallet-mix.ts). */
  closes?: boolean;
}

/** One command as produced: sent `copies` times, possibly with differently written but equal amounts. */
export interface PlannedCommand {
  command: Command;
  copies: number;
  /** The outcomes its record may have when it is the command decided under its key (absent: not predicted). */
  expected?: readonly Outcome[];
}

export interface PlannedInvalid {
  idempotentKey: string;
  body: string;
}

/** Sends that must all be answered before the next stage, or the traffic, is published. */
export interface PlanStage {
  keys: string[];
  sends: string[][];
}

export interface ChaosPlan {
  users: PlannedUser[];
  /** Every valid command, reused-key variants included; several may share a key. */
  commands: PlannedCommand[];
  invalid: PlannedInvalid[];
  /** Published and answered, stage by stage, before `sends` (the wallet prelude: opens, drains, closes). */
  preludes: PlanStage[];
  /** Message bodies in send order; a group is sent in one SendMessageBatch (concurrent duplicates). */
  sends: string[][];
}

/**
 * Builds the traffic: all seven money command types over `users` users
 * (openings like the seed's 50–120, so debits, transfers and holds run into
 * insufficient funds; captures, releases and reversals refer to earlier
 * commands, mostly of the same user, sometimes of another or none), plus
 * duplicates (some in the same batch, some much later, some with the amount
 * written differently), reused keys with another payload (sometimes sent
 * before the original), commands for unknown users and invalid bodies.
 * With `wallets`, the wallet commands too (wallet-mix.ts): a prelude opens,
 * drains, freezes and closes wallets; the traffic then includes opened
 * users, freezes each followed by an unfreeze, money commands naming a
 * currency, and commands to closed wallets. Prelude commands are repeated
 * and have their keys reused only later, in the traffic.
 */
export function buildPlan(shape: PlanShape, random: Random, runId: string): ChaosPlan {
  const seeded: PlannedUser[] = Array.from({ length: shape.users }, (_, index) => ({
    userId: `chaos-${runId}-user-${index}`,
    openingBalance: `${integerBetween(random, 50, 120)}.00`,
  }));
  const mix = shape.wallets;
  const wallets = mix ? walletUsers(mix, random, runId) : { opened: [], closed: [] };
  const traffic = [...seeded, ...wallets.opened];
  const userById = new Map([...traffic, ...wallets.closed].map((user) => [user.userId, user]));
  const commands: PlannedCommand[] = [];
  const invalid: PlannedInvalid[] = [];
  const singles: string[][] = [];
  const later: string[][] = [];

  /** Plans a command: sent once, or twice (in the same batch or much later), its key sometimes reused by another payload. */
  const emit = ({ command, expected }: StagedCommand, into: string[][], reuseLater = false) => {
    const planned: PlannedCommand = { command, copies: 1, ...(expected.length > 0 && { expected }) };
    commands.push(planned);
    const body = JSON.stringify(command);
    if (random() < shape.duplicateRate) {
      const copy = JSON.stringify(
        'amount' in command && command.amount !== undefined && random() < 0.3 ? { ...command, amount: respell(command.amount) } : command,
      );
      if (random() < 0.5) into.push([body, copy]);
      else {
        into.push([body]);
        later.push([copy]);
      }
      planned.copies = 2;
    } else {
      into.push([body]);
    }
    if (random() < shape.reusedKeyRate) {
      const reused: PlannedCommand = { command: withOtherPayload(command, traffic, random), copies: 1 };
      commands.push(reused);
      // Mostly after the original, but a reused key may well win the race (never in the prelude, which the traffic counts on).
      (reuseLater || random() < 0.8 ? later : singles).push([JSON.stringify(reused.command)]);
    }
  };

  const preludes = preludeStages(wallets, mix && mix.closed > 0 ? seeded.at(-1) : undefined, runId).map((stage): PlanStage => {
    const sends: string[][] = [];
    for (const staged of stage) emit(staged, sends, true);
    return { keys: stage.map(({ command }) => command.idempotentKey), sends };
  });

  const unfreezes: { at: number; userId: string }[] = [];
  for (let index = 0; index < shape.commands; index++) {
    const idempotentKey = `chaos-${runId}-${index}`;
    const due = unfreezes.findIndex((pending) => pending.at <= index);
    let staged: StagedCommand;
    if (due >= 0) {
      const userId = unfreezes.splice(due, 1)[0]?.userId ?? '';
      staged = { command: { idempotentKey, userId, type: 'unfreeze' }, expected: [] };
    } else if (mix && random() < mix.freezeRate) {
      const { userId } = pick(random, traffic);
      unfreezes.push({ at: index + integerBetween(random, 5, 20), userId });
      staged = { command: { idempotentKey, userId, type: 'freeze', ...(random() < 0.5 && { note: 'chaos' }) }, expected: [] };
    } else {
      const command = randomCommand(idempotentKey, traffic, commands, random, shape.hotShare);
      const user = userById.get(command.userId) as PlannedUser;
      staged = (mix && random() < mix.currencyRate && withCurrency(command, user, random)) || { command, expected: [] };
    }
    emit(staged, singles);
    if (random() < shape.ghostRate) {
      const ghost = { idempotentKey: `${idempotentKey}-ghost`, userId: `chaos-${runId}-ghost-${index}` };
      const type = mix && random() < 0.3 ? pick(random, ['freeze', 'unfreeze', 'close'] as const) : undefined;
      const command: Command = type ? { ...ghost, type } : { ...ghost, amount: randomAmount(random), type: 'credit' };
      commands.push({ command, copies: 1, expected: ['user_not_found'] });
      singles.push([JSON.stringify(command)]);
    }
    if (random() < shape.invalidRate) {
      const key = `${idempotentKey}-invalid`;
      const body = JSON.stringify({
        idempotentKey: key,
        userId: staged.command.userId,
        amount: pick(random, ['1e2', '-5', '0.0001', ' 5', '010', 5]),
        type: 'credit',
      });
      invalid.push({ idempotentKey: key, body });
      singles.push([body]);
    }
    if (mix && wallets.closed.length > 0 && random() < mix.closedRate) {
      emit(toClosedWallet(`${idempotentKey}-closed`, pick(random, wallets.closed), traffic, random, runId), singles);
    }
  }
  return {
    users: [...seeded, ...wallets.opened, ...wallets.closed],
    commands,
    invalid,
    preludes,
    sends: interleave(singles, later, random),
  };
}

/** Several plans (the chaos run's and each outage phase's) as one, for one check of the whole run. */
export function mergePlans(plans: ChaosPlan[]): ChaosPlan {
  return {
    users: plans.flatMap((plan) => plan.users),
    commands: plans.flatMap((plan) => plan.commands),
    invalid: plans.flatMap((plan) => plan.invalid),
    preludes: plans.flatMap((plan) => plan.preludes),
    sends: plans.flatMap((plan) => plan.sends),
  };
}

/** Every key a plan sends (valid commands and invalid bodies alike). */
export function planKeys(plan: ChaosPlan): Set<string> {
  return new Set([...plan.commands.map((planned) => planned.command.idempotentKey), ...plan.invalid.map((body) => body.idempotentKey)]);
}

/** One command of any type; references go to an earlier command, of the same user 3 times in 4. */
function randomCommand(
  idempotentKey: string,
  users: PlannedUser[],
  earlier: PlannedCommand[],
  random: Random,
  hotShare?: number,
): MoneyCommand {
  const hot = hotShare !== undefined && random() < hotShare;
  const userId = (hot ? (users[0] as PlannedUser) : pick(random, users)).userId;
  const draw = random();
  const reference = (types: string[]) => {
    const candidates = earlier.filter(({ command }) => types.includes(command.type) && (random() < 0.25 || command.userId === userId));
    return candidates.length > 0 ? pick(random, candidates).command.idempotentKey : `${idempotentKey}-nothing`;
  };
  if (draw < 0.3) return { idempotentKey, userId, type: 'credit', amount: randomAmount(random) };
  if (draw < 0.52) return { idempotentKey, userId, type: 'debit', amount: randomAmount(random) };
  if (draw < 0.67) {
    const toUserId = pick(
      random,
      users.filter((user) => user.userId !== userId),
    ).userId;
    return { idempotentKey, userId, type: 'transfer', amount: randomAmount(random), toUserId };
  }
  if (draw < 0.77)
    return {
      idempotentKey,
      userId,
      type: 'hold',
      amount: randomAmount(random),
      ...(random() < 0.3 && { expiresInSeconds: integerBetween(random, 1, 5) }),
    };
  if (draw < 0.85)
    return {
      idempotentKey,
      userId,
      type: 'capture',
      holdKey: reference(['hold']),
      ...(random() < 0.5 && { amount: randomAmount(random) }),
    };
  if (draw < 0.91) return { idempotentKey, userId, type: 'release', holdKey: reference(['hold']) };
  return {
    idempotentKey,
    userId,
    type: 'reverse',
    originalKey: reference(['credit', 'debit', 'transfer', 'capture']),
    ...(random() < 0.5 && { amount: randomAmount(random) }),
  };
}

function randomAmount(random: Random): string {
  const cents = BigInt(integerBetween(random, 1, 4000));
  const text = formatMoney(cents * 10n, 2);
  return random() < 0.2 ? respell(text) : text;
}

/** The same amount written another valid way ("25.50" ↔ "25.5", "10.00" ↔ "10"): still the same command. */
function respell(amount: string): string {
  if (amount.endsWith('.00')) return amount.slice(0, -3);
  if (/\.\d0$/.test(amount)) return amount.slice(0, -1);
  if (!amount.includes('.')) return `${amount}.00`;
  if (/\.\d$/.test(amount)) return `${amount}0`;
  return amount;
}

function withOtherPayload(command: Command, users: PlannedUser[], random: Random): Command {
  const change = integerBetween(random, 0, 2);
  if (change === 0)
    return {
      idempotentKey: command.idempotentKey,
      userId: command.userId,
      type: command.type === 'credit' ? 'debit' : 'credit',
      amount: '1.00',
    };
  if (change === 1 && 'amount' in command && command.amount !== undefined)
    return { ...command, amount: formatMoney(parseAmount(command.amount) + 10n, 2) };
  const others = users.filter((user) => user.userId !== command.userId && !('toUserId' in command && command.toUserId === user.userId));
  return { ...command, userId: pick(random, others).userId };
}

/** Spreads the late sends over the second half of the stream, so they arrive well after their originals. */
function interleave(singles: string[][], later: string[][], random: Random): string[][] {
  const sends = [...singles];
  for (const group of later) {
    const at = integerBetween(random, Math.floor(sends.length / 2), sends.length);
    sends.splice(at, 0, group);
  }
  return sends;
}
