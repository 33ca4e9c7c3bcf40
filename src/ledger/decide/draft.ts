import type { Command } from '../../messages/command.js';
import { commandFingerprint } from '../../messages/command.js';
import type { StickyRejection } from '../../messages/reply.js';
import type { Cents } from '../../money/money.js';
import { heldAt, openHoldsAt, withChainHash, type OpenHold, type RecordBase, type TransactionRecord, type UserState } from '../model.js';
import { nextDecisionTime } from './decision-time.js';
import type { DecideContext, LedgerState, RecordTransition, UserTransition } from './ledger-state.js';

/**
 * The in-memory copy of the state a group of commands is decided on: each
 * command reads what the previous ones left and records what it changes.
 * The command families (credit-debit, transfer, holds, reverse) work on it.
 */
export class Draft {
  readonly users = new Map<string, UserTransition>();
  readonly references = new Map<string, RecordTransition>();
  /** What the command being decided has read: its writes must travel with everything here. */
  private reads = { userIds: new Set<string>(), references: new Set<string>() };

  /** Starts deciding the next command; returns what it reads, filled in as it reads. */
  nextCommand(): { userIds: Set<string>; references: Set<string> } {
    this.reads = { userIds: new Set(), references: new Set() };
    return this.reads;
  }

  constructor(
    private readonly state: LedgerState,
    readonly ctx: DecideContext,
  ) {}

  user(userId: string): UserState | null {
    this.reads.userIds.add(userId);
    const known = this.users.get(userId);
    if (known) return known.after;
    const user = this.state.users.get(userId);
    if (user === undefined) throw new Error(`decide: user ${userId} was not loaded`);
    this.users.set(userId, { before: user, after: user });
    return user;
  }

  setUser(user: UserState): void {
    const transition = this.users.get(user.userId);
    if (!transition) throw new Error(`decide: user ${user.userId} set before it was read`);
    this.users.set(user.userId, { before: transition.before, after: user });
  }

  reference(key: string): TransactionRecord | null {
    this.reads.references.add(key);
    const known = this.references.get(key);
    if (known) return known.after;
    const record = this.state.records.get(key);
    if (record === undefined) throw new Error(`decide: record ${key} was not loaded`);
    this.references.set(key, { before: record, after: record });
    return record;
  }

  setReference(record: TransactionRecord): void {
    const transition = this.references.get(record.idempotentKey);
    if (!transition) throw new Error(`decide: record ${record.idempotentKey} set before it was read`);
    this.references.set(record.idempotentKey, {
      before: transition.before,
      after: { ...record, refVersion: (transition.before?.refVersion ?? 0) + 1 },
    });
  }

  /**
   * When a decision of this user takes effect (its record's time, to the
   * millisecond): holds expire by this clock, so the ledger replays to the
   * same `held`.
   */
  at(user: UserState): number {
    return Date.parse(this.timeFor(user));
  }

  /** The money a user may still use: the posted balance less its unexpired holds. */
  available(user: UserState): Cents {
    return user.balance - heldAt(user, this.at(user));
  }

  /**
   * The user as it is once a decision of it is taken at `timestamp`: expired
   * holds pruned (they reserve nothing), the time of its last decision moved.
   */
  touched(user: UserState, timestamp: string): UserState {
    const at = Date.parse(timestamp);
    const holds = new Map<string, OpenHold>([...user.holds].filter(([, hold]) => Date.parse(hold.expiresAt) > at));
    return { ...user, holds, lastDecidedAt: timestamp };
  }

  /** The time of the user's next decision: the wall clock, ordered after its last one (decision-time.ts). */
  timeFor(user: UserState | null): string {
    return nextDecisionTime(user?.lastDecidedAt, this.ctx.now);
  }

  /** The wallet's currency: items made before currencies hold the default one. */
  currencyOf(user: UserState): string {
    return user.currency ?? this.ctx.defaultCurrency;
  }

  /** The fields every record of `command` starts with. */
  base(command: Command, timestamp: string) {
    return {
      idempotentKey: command.idempotentKey,
      transactionId: this.ctx.newTransactionId(),
      userId: command.userId,
      type: command.type,
      timestamp,
      request: commandFingerprint(command),
      ...('toUserId' in command && { toUserId: command.toUserId }),
      ...('holdKey' in command && { holdKey: command.holdKey }),
      ...('originalKey' in command && { originalKey: command.originalKey }),
      ...('note' in command && command.note !== undefined && { note: command.note }),
      ...('metadata' in command && command.metadata !== undefined && { metadata: command.metadata }),
    };
  }

  /**
   * A sticky rejection of `command`, written with the user's time moved (or
   * none for an unknown user). It records the user's state as it stood, like
   * every entry, so the state at any instant is read from one entry.
   */
  reject(command: Command, reason: StickyRejection, user: UserState | null, amount?: Cents): TransactionRecord {
    const timestamp = this.timeFor(user);
    // The wallet's currency, except where the refusal must reveal nothing of the wallet: then the one the command named.
    const named = 'currency' in command ? command.currency : undefined;
    const currency = user && reason !== 'wallet_exists' ? user.currency : named;
    const rejection = {
      ...this.base(command, timestamp),
      ...(amount !== undefined && { amount }),
      ...(currency !== undefined && { currency }),
      status: 'rejected' as const,
      reason,
    };
    if (!user) return rejection;
    const touched = this.touched(user, timestamp);
    this.setUser(touched);
    return { ...rejection, ...this.stateAfter(touched, timestamp) };
  }

  /** The user's balance, held and open holds right after an entry decided at `timestamp`. */
  private stateAfter(user: UserState, timestamp: string) {
    const at = Date.parse(timestamp);
    const openHolds = openHoldsAt(user, at);
    return { newBalance: user.balance, newHeld: heldAt(user, at), ...(openHolds.length > 0 && { openHolds }) };
  }

  /** An applied record for `user` as it now is (after its change): balance, held and version right after it. */
  applied(base: Omit<RecordBase, 'amount'>, amount: Cents, user: UserState): TransactionRecord {
    const currency = user.currency !== undefined && { currency: user.currency };
    const record: TransactionRecord = {
      ...base,
      amount,
      ...currency,
      status: 'applied',
      ...this.stateAfter(user, base.timestamp),
      version: user.version,
    };
    // Each applied entry is chained to its user's previous one, in decision order (src/ledger/chain.ts).
    const chained = withChainHash(record, user.chainHash);
    if (chained.status === 'applied' && chained.hash) this.setUser({ ...user, chainHash: chained.hash });
    return chained;
  }
}
