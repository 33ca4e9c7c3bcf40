import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import {
  CommandTooLargeError,
  ConflictRetriesExhaustedError,
  CorruptItemError,
  StoreFaultError,
  StoreUnavailableError,
  UnitTooLargeError,
  type WalletError,
} from '../errors.js';
import type { Command } from '../messages/command.js';
import { runInCommandTraces, type CommandTrace } from '../observability/tracing.js';
import { describeItem, settleCancellation, type Verdict } from './cancellation.js';
import { commitChunk, type ChunkResult } from './commit.js';
import { decide } from './decide/decide.js';
import type { Decision } from './decide/ledger-state.js';
import type { TransactionRecord } from './model.js';
import { LruMap } from './lru-map.js';
import { MAX_TRANSACT_ACTIONS, MAX_TRANSACT_BYTES, userBytes, type TransactLimits } from './round-budget.js';
import { fitRound, planned, UNKNOWN_USER_BYTES } from './round-plan.js';
import { StoreCalls } from './store-calls.js';
import { readRound, type RoundState } from './round-state.js';
import { afterChange, afterThrottle, type RetryStep } from './retry-policy.js';
import type { StoreCircuit } from './store-circuit.js';
import { buildChunks, type Chunk } from './transact-items.js';
import { UserStateCache } from './user-cache.js';
import { finish, PendingCommands, type EngineResult, type Entry } from './pending-commands.js';

export type { EngineResult };

export interface EngineDeps {
  ddb: DynamoDBDocumentClient;
  config: Pick<Config, 'tables' | 'maxConflictRetries' | 'groupCommit' | 'defaultCurrency'>;
  logger: Logger;
  /**
   * With a circuit, an outage or throttling parks the commands until the
   * store answers again (the worker); without one, they fail (the direct API).
   */
  circuit?: StoreCircuit;
  /** Observes each committed transaction (group sizes for metrics and the bench). */
  onCommit?(commands: number, actions: number): void;
  /** Observes each command decided again because its user changed under it (metrics). */
  onConflictRetry?(): void;
  clock?: () => number;
  newTransactionId?: () => string;
  random?: () => number;
}

/** The records a command that is not a reversal reads before its round's read: none. */
const NO_RECORDS: ReadonlyMap<string, TransactionRecord | null> = new Map();

/** How long a stop waits for store calls in flight before it gives up on them. */
const STOP_GRACE_MS = 5_000;
/** A round never takes more than this many commands, so one slow round cannot hold the whole backlog. */
const MAX_ROUND_COMMANDS = 2_000;

/**
 * The apply step with group commit: the loop that reads, decides, writes
 * and feeds cancellations back. Every command submitted (by all the pollers
 * of a worker) waits in one list; each round takes what round planning
 * allows (round-plan.ts), reads what it does not know (round-state.ts),
 * decides it with the pure `decide`, writes it in as few transactions as
 * the limits allow, and settles each transaction as it ends
 * (cancellation.ts, retry-policy.ts). A command is judged on its own items:
 * one that can never be decided is poison, one whose item is contended or
 * throttled backs off alone, and its neighbours are decided as usual.
 */
export class LedgerEngine {
  private readonly pending = new PendingCommands();
  private readonly users = new UserStateCache();
  /** Records this process committed or saw: a duplicate is answered without a write. */
  private readonly decided = new LruMap<string, TransactionRecord>(10_000);
  private running: Promise<void> | undefined;
  private stopping = false;
  private readonly storeCalls = new StoreCalls();
  private wakeIdle: (() => void) | undefined;
  private readonly clock: () => number;
  private readonly newTransactionId: () => string;
  private readonly random: () => number;
  private readonly limits: TransactLimits;
  private readonly grouping: boolean;

  constructor(private readonly deps: EngineDeps) {
    this.clock = deps.clock ?? Date.now;
    this.newTransactionId = deps.newTransactionId ?? randomUUID;
    this.random = deps.random ?? Math.random;
    const { enabled, maxActions } = deps.config.groupCommit;
    // Without grouping every command is its own transaction (the one-per-command design).
    this.grouping = enabled;
    this.limits = { maxActions: enabled ? maxActions : MAX_TRANSACT_ACTIONS, maxBytes: MAX_TRANSACT_BYTES };
  }

  /** Decides the commands (in this order per user); one result per command, in the same order. */
  submit(commands: readonly Command[], traces: readonly (CommandTrace | undefined)[] = []): Promise<EngineResult[]> {
    if (this.stopping) return Promise.resolve(commands.map(() => ({ kind: 'released' as const })));
    const results = commands.map((command, index) => this.pending.add(command, traces[index]));
    this.wakeIdle?.();
    this.kick();
    return Promise.all(results);
  }

  /**
   * Finishes what is waiting while the store answers; whatever is parked by
   * an outage or throttling (or arrives now) is released to the queue instead.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.deps.circuit?.stop();
    this.wakeIdle?.();
    // A round in flight normally ends in milliseconds; one still waiting after the grace is waiting on a
    // hung store. Its calls are aborted: their commands fail (possibly committed: the redelivery tells).
    const timer = setTimeout(() => this.storeCalls.giveUp(), STOP_GRACE_MS);
    await this.running;
    clearTimeout(timer);
    this.pending.releaseAll();
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.run().finally(() => {
      this.running = undefined;
      // Work that arrived as the loop was ending starts the next one.
      if (this.pending.size > 0 && !this.stopping) this.kick();
    });
  }

  /** Every turn decides or settles at least one command, or waits (circuit, backoff): it never spins. */
  private async run(): Promise<void> {
    while (this.pending.size > 0) {
      const circuit = this.deps.circuit;
      if (circuit && circuit.state === 'open') {
        if (this.stopping) return this.pending.releaseAll();
        await circuit.whenClosed();
        continue;
      }
      // On a stop, commands riding out throttling go back to the queue rather than wait it out.
      if (this.stopping) this.pending.releaseThrottled();
      const round = this.takeRound();
      if (round.length === 0) {
        await this.idle();
        continue;
      }
      try {
        await this.decideRound(round);
      } catch (error) {
        this.roundFailed(round, error);
      }
    }
  }

  /** Takes, in arrival order, what round planning allows from what the engine knows so far (the exact check follows the read). */
  private takeRound(): Entry[] {
    const sizeOfUser = (userId: string) => {
      const user = this.users.get(userId);
      return user ? userBytes(user.holds.keys()) : UNKNOWN_USER_BYTES;
    };
    const plan = (command: Command) => {
      // Only a reversal reads a record (its original) before the round's read: every other command plans with none.
      const original = command.type === 'reverse' ? this.decided.get(command.originalKey) : undefined;
      const records = original && command.type === 'reverse' ? new Map([[command.originalKey, original]]) : NO_RECORDS;
      return planned(command, records, sizeOfUser);
    };
    return this.pending.take(plan, { limits: this.limits, grouping: this.grouping, maxCommands: MAX_ROUND_COMMANDS }, Date.now());
  }

  private async decideRound(taken: Entry[]): Promise<void> {
    const state = await this.read(taken);
    if (!state) return;
    const round = this.fitRound(taken, state);
    const result = decide(
      state,
      round.map(({ command, ownTransactionIds }) => ({ command, ownTransactionIds })),
      { now: this.clock(), newTransactionId: this.newTransactionId, defaultCurrency: this.deps.config.defaultCurrency },
    );
    const entryOf = new Map<Decision, Entry>();
    for (const [index, decided] of result.results.entries()) {
      const entry = round[index] as Entry;
      if ('outcome' in decided) {
        finish(entry, { kind: 'decided', outcome: decided.outcome });
        continue;
      }
      entry.ownTransactionIds.add(decided.record.transactionId);
      entryOf.set(decided, entry);
    }
    const chunks = buildChunks(this.deps.config.tables, result, { ...this.limits, grouping: this.grouping });
    const tracesOf = (chunk: Chunk) =>
      chunk.targets.map((target) => (target.kind === 'record' ? entryOf.get(target.decision)?.trace : undefined));
    // Each transaction is settled the moment it ends (chunks share no item, so their order does not
    // matter): its commands' replies, deletes and the pollers' next receives overlap the round's
    // other writes instead of waiting for the slowest one.
    await Promise.all(
      chunks.map(async (chunk) => {
        const committed = await runInCommandTraces(tracesOf(chunk), () =>
          this.storeCalls.run((signal) => commitChunk(this.deps.ddb, chunk, signal)),
        );
        this.settle(chunk, committed, entryOf);
      }),
    );
  }

  /** The round's state, read; undefined when the store failed (its commands are parked or failed). */
  private async read(round: Entry[]): Promise<RoundState<Entry> | undefined> {
    try {
      return await readRound(round, {
        ddb: this.deps.ddb,
        tables: this.deps.config.tables,
        users: this.users,
        decided: this.decided,
        storeCall: (call) => this.storeCalls.run(call),
      });
    } catch (error) {
      if (!(error instanceof StoreUnavailableError || error instanceof StoreFaultError)) throw error;
      this.storeFailed(round, error);
      return undefined;
    }
  }

  /** Commands on items that are not money data, and those that exceed a transaction alone, are poison; those that no longer fit wait. */
  private fitRound(taken: Entry[], state: RoundState<Entry>): Entry[] {
    const healthy = taken.filter((entry) => {
      const poison = state.poison.get(entry);
      if (poison) finish(entry, { kind: 'poison', error: poison });
      return !poison;
    });
    const { round, later, tooLarge } = fitRound(healthy, state, {
      limits: this.limits,
      grouping: this.grouping,
      maxCommands: MAX_ROUND_COMMANDS,
    });
    const error = new CommandTooLargeError(
      `command needs more than one transaction may hold (${this.limits.maxActions} actions, ${this.limits.maxBytes} bytes)`,
    );
    for (const entry of tooLarge) finish(entry, { kind: 'poison', error });
    this.pending.requeue(later);
    return round;
  }

  /** Resolves, retries or fails a transaction's commands by how it ended. */
  private settle(chunk: Chunk, committed: ChunkResult, entryOf: Map<Decision, Entry>): void {
    const entries = [
      ...new Set(chunk.targets.flatMap((target) => (target.kind === 'record' ? [entryOf.get(target.decision) as Entry] : []))),
    ];
    if (committed.kind === 'committed') return this.committed(chunk, entryOf);
    if (committed.kind === 'failed') {
      for (const target of chunk.targets) if (target.kind === 'user') this.users.forget(target.userId);
      return this.storeFailed(entries, committed.error);
    }
    const settlement = settleCancellation(chunk.targets, committed.reasons);
    if (settlement.kind === 'committed-before') return this.committed(chunk, entryOf);
    if (settlement.kind === 'fault') {
      const fault = new StoreFaultError(`transaction cancelled: ${settlement.code}`);
      for (const entry of entries) this.pending.fail(entry, fault);
      return;
    }
    for (const [userId, now] of settlement.users) {
      if (now && !(now instanceof CorruptItemError)) this.users.set(now);
      // Read afresh next round: an item that is not money makes its commands poison there.
      else this.users.forget(userId);
    }
    for (const key of settlement.staleReferences) this.decided.delete(key);
    // One draw and one clock reading per transaction: the commands it backs off retry together, in one round.
    const jitter = this.random();
    const cancelledAt = Date.now();
    for (const [decision, verdict] of settlement.verdicts) this.apply(entryOf.get(decision) as Entry, verdict, () => jitter, cancelledAt);
  }

  /** Feeds one cancelled decision back: answered, poison, retried after a backoff, or failed. */
  private apply(entry: Entry, verdict: Verdict, random: () => number, cancelledAt: number): void {
    const retry = (step: RetryStep, error: WalletError) => {
      if (step.kind === 'give-up') return this.pending.fail(entry, error);
      entry.notBefore = cancelledAt + step.delayMs;
      this.pending.requeue([entry]);
    };
    const limits = { maxConflictRetries: this.deps.config.maxConflictRetries, ridesOutPressure: this.deps.circuit !== undefined };
    switch (verdict.kind) {
      case 'key-exists':
        this.decided.set(verdict.record.idempotentKey, verdict.record);
        return this.pending.requeue([entry]);
      case 'poison':
        return finish(entry, { kind: 'poison', error: verdict.error });
      case 'bystander':
        return this.pending.requeue([entry]);
      case 'changed': {
        const step = afterChange(++entry.attempts, verdict.settled, limits, random);
        if (step.kind === 'retry') this.deps.onConflictRetry?.();
        const { maxConflictRetries } = this.deps.config;
        return retry(
          step,
          new ConflictRetriesExhaustedError(`${describeItem(verdict.item)} kept changing over ${maxConflictRetries} retries`),
        );
      }
      case 'throttled': {
        const pressure = new StoreUnavailableError(`DynamoDB throttled a write of ${entry.command.userId}'s items`);
        if (!this.stopping) this.deps.circuit?.open(pressure);
        return retry(afterThrottle(++entry.throttles, limits, random), pressure);
      }
    }
  }

  private committed(chunk: Chunk, entryOf: Map<Decision, Entry>): void {
    this.deps.onCommit?.(chunk.targets.filter((target) => target.kind === 'record').length, chunk.actions.length);
    for (const target of chunk.targets) {
      if (target.kind === 'user') {
        if (target.transition.after) this.users.set(target.transition.after);
        continue;
      }
      if (target.kind === 'reference') {
        if (target.transition.after) this.decided.set(target.key, target.transition.after);
        continue;
      }
      const { record } = target.decision;
      if (target.record !== record) continue; // the other user's leg
      this.decided.set(record.idempotentKey, record);
      const entry = entryOf.get(target.decision);
      if (entry) finish(entry, { kind: 'decided', outcome: { kind: 'decided', record, replayed: false } });
    }
  }

  /**
   * A round that failed as a whole (a bug, or data decide cannot handle):
   * its commands are decided again one per round, so only the one that
   * fails alone fails (retried later, then dead-lettered with the reason).
   */
  private roundFailed(round: Entry[], error: unknown): void {
    const open = round.filter((entry) => !entry.done);
    this.deps.logger.error(
      { err: error, commands: open.length },
      open.length > 1 ? 'ledger round failed: deciding its commands one by one' : 'ledger command failed',
    );
    if (open.length > 1) {
      for (const entry of open) entry.alone = true;
      return this.pending.requeue(open);
    }
    for (const entry of open) {
      if (error instanceof UnitTooLargeError)
        finish(entry, { kind: 'poison', error: new CommandTooLargeError(error.message, { cause: error }) });
      else this.pending.fail(entry, new StoreFaultError('ledger round failed', { cause: error }));
    }
  }

  /** A write or read did not happen: with a circuit, an outage parks the commands until the store answers; otherwise they fail. */
  private storeFailed(entries: Entry[], error: StoreUnavailableError | StoreFaultError): void {
    const { circuit } = this.deps;
    if (error instanceof StoreUnavailableError && circuit && !this.stopping) {
      circuit.open(error);
      return this.pending.requeue(entries);
    }
    for (const entry of entries) this.pending.fail(entry, error);
  }

  /** Waits for the earliest backoff to end, or for new work. */
  private async idle(): Promise<void> {
    const delayMs = Math.max(1, Math.min(1_000, this.pending.nextDueIn(Date.now())));
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeIdle = undefined;
        resolve();
      };
      const timer = setTimeout(done, delayMs);
      this.wakeIdle = done;
    });
  }
}

export { MAX_TRANSACT_ACTIONS };
