import type { Command } from '../messages/command.js';
import { readsOf } from './decide/decide.js';
import type { TransactionRecord, UserState } from './model.js';
import { addCost, fitsOne, HOLD_ENTRY_BYTES, NO_COST, recordBytes, userBytes, type Cost, type TransactLimits } from './round-budget.js';

/**
 * Round planning: which waiting commands one round decides. Pure: the
 * engine passes what it knows and gets indexes back.
 *
 * Commands that share a user or a record must be written in one
 * transaction, so the budget is kept per group of shared items, with the
 * one budget function (actions and bytes) the chunks are checked with.
 */

/** What a command writes: the items it reads (each written once per group) and its own record Puts. */
export interface CommandShape {
  userIds: string[];
  /** Items by id (`u:` user, `r:` record), each with the cost of its one action. */
  items: Map<string, Cost>;
  /** The command's own writes: its record, the other user's leg, what it adds to a user's item. */
  own: Cost;
}

/** The users and records a command reads: enough to tell whether it must wait. */
export type Reads = ReturnType<typeof readsOf>;

export interface Candidate {
  key: string;
  reads: Reads;
  /**
   * What it writes, computed when first asked for: planning asks only for
   * candidates that are not blocked, and most of a long queue is (one hot
   * user's later commands wait behind the first that does not fit).
   */
  shape: () => CommandShape;
  /** false while it backs off: it waits, and so do its users' later commands. */
  due: boolean;
  /** Decided in a round of its own (it was in a round that failed as a whole). */
  alone: boolean;
}

export interface PlanOptions {
  limits: TransactLimits;
  /** false: every command is a transaction of its own (and a user's second command waits for the next round). */
  grouping: boolean;
  maxCommands: number;
}

export interface RoundPlan {
  /** Indexes of the candidates this round decides, in order. */
  take: number[];
  /** Indexes of those that exceed the limits even alone: they can never be written. */
  tooLarge: number[];
}

/** A user's Update of unknown size (not read yet): the next pass, after the read, counts it exactly. */
export const UNKNOWN_USER_BYTES = 4_096;
const REFERENCE_BYTES = 1_024;

/** Each command's record size, by its text: commands are immutable, and a waiting one is planned again every round. */
const recordBytesCache = new WeakMap<Command, number>();

function recordBytesOf(command: Command): number {
  let bytes = recordBytesCache.get(command);
  if (bytes === undefined) {
    bytes = recordBytes(JSON.stringify(command));
    recordBytesCache.set(command, bytes);
  }
  return bytes;
}

/**
 * The users and records a command reads and what it writes, from the
 * records known (a reversal reads its transfer's recipient, known only once
 * the original is read: until then it counts one more user of unknown size)
 * and the bytes of each user's item as read.
 */
export function commandShape(
  command: Command,
  records: ReadonlyMap<string, TransactionRecord | null>,
  userBytes: (userId: string) => number,
  { userIds, references }: Reads = readsOf(command, records),
): CommandShape {
  const items = new Map<string, Cost>();
  for (const userId of userIds) items.set(`u:${userId}`, { actions: 1, bytes: userBytes(userId) });
  for (const key of references) items.set(`r:${key}`, { actions: 1, bytes: REFERENCE_BYTES });
  const originalUnknown = command.type === 'reverse' && !records.has(command.originalKey);
  if (originalUnknown) items.set(`?:${command.idempotentKey}`, { actions: 1, bytes: UNKNOWN_USER_BYTES });
  // Its record, and the other user's leg of a transfer or of a transfer's reversal.
  const puts = command.type === 'transfer' || (command.type === 'reverse' && (originalUnknown || userIds.length > 1)) ? 2 : 1;
  const putBytes = puts * recordBytesOf(command);
  const grows = command.type === 'hold' ? Buffer.byteLength(command.idempotentKey, 'utf8') + HOLD_ENTRY_BYTES : 0;
  return { userIds, items, own: { actions: puts, bytes: putBytes + grows } };
}

/** A command's reads now and its shape when asked for (once), for a Candidate. */
export function planned(
  command: Command,
  records: ReadonlyMap<string, TransactionRecord | null>,
  userBytes: (userId: string) => number,
): Pick<Candidate, 'reads' | 'shape'> {
  const reads = readsOf(command, records);
  let shape: CommandShape | undefined;
  return { reads, shape: () => (shape ??= commandShape(command, records, userBytes, reads)) };
}

/**
 * Takes, in order, the candidates that may be decided now: one command per
 * key; none that refers to a record another command of the round writes
 * (or is referred to by one): it waits for the next round, which reads it;
 * and as many as fit one transaction per group of shared items. A user
 * whose command waits keeps all its later commands waiting too, so a
 * user's commands are never decided out of order.
 */
export function planRound(candidates: readonly Candidate[], options: PlanOptions): RoundPlan {
  const budget = new GroupBudget(options.limits, options.grouping ? Number.POSITIVE_INFINITY : 1);
  const take: number[] = [];
  const tooLarge: number[] = [];
  const keys = new Set<string>();
  const referenced = new Set<string>();
  const held = new Set<string>();
  let closed = false;
  candidates.forEach(({ key, reads, shape, due, alone }, index) => {
    const blocked =
      reads.userIds.some((userId) => held.has(userId)) ||
      keys.has(key) ||
      referenced.has(key) ||
      reads.references.some((ref) => keys.has(ref));
    if (!blocked && due && !fitsOne(totalAlone(shape()), options.limits)) {
      tooLarge.push(index);
      return;
    }
    const waits = closed || blocked || !due || take.length >= options.maxCommands || (alone && take.length > 0) || !budget.fits(shape());
    if (waits) {
      for (const userId of reads.userIds) held.add(userId);
      return;
    }
    budget.add(shape());
    keys.add(key);
    for (const ref of reads.references) referenced.add(ref);
    take.push(index);
    if (alone) closed = true;
  });
  return { take, tooLarge };
}

/**
 * The exact check of a round taken, with what was read: each command's
 * shape from the records and users as they are. Commands that no longer fit
 * wait for the next round (`later`); one that exceeds a transaction alone
 * can never be written (`tooLarge`). A command answered from the record
 * stored under its key writes nothing.
 */
export function fitRound<T extends { command: Command; alone: boolean }>(
  taken: readonly T[],
  state: { users: ReadonlyMap<string, UserState | null>; records: ReadonlyMap<string, TransactionRecord | null> },
  options: PlanOptions,
): { round: T[]; later: T[]; tooLarge: T[] } {
  const candidates = taken.map(({ command, alone }): Candidate => {
    const answered = state.records.get(command.idempotentKey)
      ? {
          reads: { userIds: [command.userId], references: [] },
          shape: () => ({ userIds: [command.userId], items: new Map<string, Cost>(), own: NO_COST }),
        }
      : planned(command, state.records, (userId) => userBytes(state.users.get(userId)?.holds.keys() ?? []));
    return { key: command.idempotentKey, ...answered, due: true, alone };
  });
  const plan = planRound(candidates, options);
  const take = new Set(plan.take);
  const tooLarge = new Set(plan.tooLarge);
  return {
    round: taken.filter((_, index) => take.has(index)),
    later: taken.filter((_, index) => !take.has(index) && !tooLarge.has(index)),
    tooLarge: taken.filter((_, index) => tooLarge.has(index)),
  };
}

function totalAlone(shape: CommandShape): Cost {
  let cost = shape.own;
  for (const item of shape.items.values()) cost = addCost(cost, item);
  return cost;
}

/**
 * The cost of each group of shared items in the round (a union-find over
 * item ids): a command joins every group it shares an item with, and its
 * items count once per group.
 */
class GroupBudget {
  private readonly parent = new Map<string, string>();
  private readonly cost = new Map<string, Cost>();
  private readonly decisions = new Map<string, number>();

  constructor(
    private readonly limits: TransactLimits,
    private readonly maxDecisions: number,
  ) {}

  fits(shape: CommandShape): boolean {
    const { cost, decisions } = this.joined(shape);
    return fitsOne(cost, this.limits) && decisions <= this.maxDecisions;
  }

  add(shape: CommandShape): void {
    const { cost, decisions, roots } = this.joined(shape);
    const [first] = shape.items.keys();
    if (first === undefined) return;
    for (const id of [...shape.items.keys(), ...roots]) this.parent.set(id, first);
    this.parent.set(first, first);
    this.cost.set(first, cost);
    this.decisions.set(first, decisions);
  }

  private joined(shape: CommandShape): { cost: Cost; decisions: number; roots: Set<string> } {
    const roots = new Set<string>();
    let cost = shape.own;
    for (const [id, itemCost] of shape.items) {
      if (this.parent.has(id)) roots.add(this.root(id));
      else cost = addCost(cost, itemCost);
    }
    let decisions = 1;
    for (const root of roots) {
      cost = addCost(cost, this.cost.get(root) ?? NO_COST);
      decisions += this.decisions.get(root) ?? 0;
    }
    return { cost, decisions, roots };
  }

  private root(id: string): string {
    let current = id;
    for (;;) {
      const parent = this.parent.get(current) ?? current;
      if (parent === current) return current;
      current = parent;
    }
  }
}
