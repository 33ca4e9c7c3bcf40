import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ConflictRetriesExhaustedError, CorruptItemError, StoreUnavailableError, type WalletError } from '../errors.js';
import type { Command } from '../messages/command.js';
import { runInCommandTraces, type CommandTrace } from '../observability/tracing.js';
import { commitChunk, type CancellationReason, type ChunkResult } from './commit.js';
import { decide, readsOf } from './decide/decide.js';
import type { Decision, LedgerState } from './decide/ledger-state.js';
import { recordFromItem, type TransactionRecord, type UserState } from './items.js';
import { loadRecords, loadUsers, parseUser } from './load-items.js';
import { LruMap } from './lru-map.js';
import type { ApplyOutcome } from './outcome.js';
import type { StoreCircuit } from './store-circuit.js';
import { StoreFaultError } from './store-errors.js';
import { buildChunks, MAX_TRANSACT_ACTIONS, type Chunk } from './transact-items.js';
import { UserStateCache } from './user-cache.js';

/** What became of one submitted command. */
export type EngineResult =
  | { kind: 'decided'; outcome: ApplyOutcome }
  /** Not decided this time; trying again later can succeed. */
  | { kind: 'failed'; error: WalletError }
  /** Can never be decided as the data stands (a user item that is not money): dead-letter it now. */
  | { kind: 'poison'; error: CorruptItemError }
  /** The engine stopped before it could decide it: hand the message back to the queue. */
  | { kind: 'released' };

export interface EngineDeps {
  ddb: DynamoDBDocumentClient;
  config: Pick<Config, 'tables' | 'maxConflictRetries' | 'groupCommit'>;
  logger: Logger;
  /**
   * With a circuit, an outage parks the commands until the store answers
   * again (the worker); without one, they fail at once (the direct API).
   */
  circuit?: StoreCircuit;
  /** Observes each committed transaction (group sizes for metrics and the bench). */
  onCommit?(commands: number, actions: number): void;
  /** Observes each command decided again because its user changed under it (metrics). */
  onConflictRetry?(): void;
  clock?: () => number;
  newTransactionId?: () => string;
}

interface Entry {
  seq: number;
  command: Command;
  attempts: number;
  /** Transaction ids this process wrote the command under: finding one stored means it was ours, not a replay. */
  ownTransactionIds: Set<string>;
  /** The command's trace: the reads and writes that decide it become spans of it. */
  trace?: CommandTrace | undefined;
  resolve(result: EngineResult): void;
}

/** How long a stop waits for store calls in flight before it gives up on them. */
const STOP_GRACE_MS = 5_000;

/** A round never takes more than this many commands, so one slow round cannot hold the whole backlog. */
const MAX_ROUND_COMMANDS = 2_000;

/**
 * The apply step with group commit. Every command submitted (by all the
 * pollers of a worker) waits in one list; a round takes all that is waiting,
 * reads the users it does not know, decides them with the pure `decide`
 * in arrival order per user, and writes the decisions in as few
 * TransactWriteItems as the limits allow. A round never waits for more work:
 * at low load it is one command, under load it is whatever arrived while the
 * previous round was writing.
 *
 * A cancelled transaction is split, never retried blindly: a key that exists
 * answers its command from the stored record; a user that changed is taken
 * from the item DynamoDB handed back and its commands are decided again in
 * the next round; conflicts and throttling back off first.
 */
export class LedgerEngine {
  private readonly pending: Entry[] = [];
  private readonly users = new UserStateCache();
  /** Records this process committed or saw: a duplicate is answered without a write. */
  private readonly decided = new LruMap<string, TransactionRecord>(10_000);
  private nextSeq = 0;
  private running: Promise<void> | undefined;
  private stopping = false;
  /** One per store call in flight (a signal each, so no listener piles up on a shared one); a stop aborts those still hung. */
  private readonly storeCalls = new Set<AbortController>();
  private givenUp = false;
  private readonly clock: () => number;
  private readonly newTransactionId: () => string;
  private readonly maxActions: number;
  private readonly grouping: boolean;

  constructor(private readonly deps: EngineDeps) {
    this.clock = deps.clock ?? Date.now;
    this.newTransactionId = deps.newTransactionId ?? randomUUID;
    const { enabled, maxActions } = deps.config.groupCommit;
    // Without grouping every command is its own transaction (the one-per-command design).
    this.grouping = enabled;
    this.maxActions = enabled ? maxActions : MAX_TRANSACT_ACTIONS;
  }

  /** Decides the commands (in this order per user); one result per command, in the same order. */
  submit(commands: readonly Command[], traces: readonly (CommandTrace | undefined)[] = []): Promise<EngineResult[]> {
    if (this.stopping) return Promise.resolve(commands.map(() => ({ kind: 'released' as const })));
    const results = commands.map(
      (command, index) =>
        new Promise<EngineResult>((resolve) => {
          this.pending.push({ seq: this.nextSeq++, command, attempts: 0, ownTransactionIds: new Set(), trace: traces[index], resolve });
        }),
    );
    this.kick();
    return Promise.all(results);
  }

  /**
   * Finishes what is waiting while the store answers; whatever is parked by
   * an outage (or arrives now) is released to the queue instead.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.deps.circuit?.stop();
    // A round in flight normally ends in milliseconds; one still waiting after the grace is waiting on a
    // hung store. Its calls are aborted: their commands fail (possibly committed: the redelivery tells).
    const timer = setTimeout(() => {
      this.givenUp = true;
      for (const call of this.storeCalls) call.abort();
    }, STOP_GRACE_MS);
    await this.running;
    clearTimeout(timer);
    this.releaseAll();
  }

  /** Runs one store call that a stop can abort once its grace has passed. */
  private async storeCall<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    if (this.givenUp) controller.abort();
    this.storeCalls.add(controller);
    try {
      return await call(controller.signal);
    } finally {
      this.storeCalls.delete(controller);
    }
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.run().finally(() => {
      this.running = undefined;
      // Work that arrived as the loop was ending starts the next one.
      if (this.pending.length > 0 && !this.stopping) this.kick();
    });
  }

  private async run(): Promise<void> {
    while (this.pending.length > 0) {
      const circuit = this.deps.circuit;
      if (circuit && circuit.state === 'open') {
        if (this.stopping) return this.releaseAll();
        await circuit.whenClosed();
        continue;
      }
      const round = this.takeRound();
      try {
        await this.decideRound(round);
      } catch (error) {
        // A bug in the engine, not a store failure: fail the round's commands so their messages are retried.
        this.deps.logger.error({ err: error }, 'ledger round failed');
        const fault = new StoreFaultError('ledger round failed', { cause: error });
        for (const entry of round) this.fail(entry, fault);
      }
    }
  }

  /**
   * The commands this round decides: in arrival order, one command per key,
   * as many as fit one transaction per group of items they share (a user's
   * commands, and every user or record a transfer, capture or reversal joins
   * to them). A command that refers to a record another command of the round
   * writes (a capture of a hold just placed) waits for the next round, which
   * reads it. A user whose command must wait keeps all its later commands
   * waiting too, so a user's commands are never decided out of order.
   */
  private takeRound(): Entry[] {
    this.pending.sort((a, b) => a.seq - b.seq);
    const round: Entry[] = [];
    const budget = new UnitBudget(this.maxActions, this.grouping ? Number.POSITIVE_INFINITY : 1);
    const keys = new Set<string>();
    const referenced = new Set<string>();
    const held = new Set<string>();
    const waiting: Entry[] = [];
    for (const entry of this.pending) {
      const { command } = entry;
      const shape = commandShape(command);
      const mustWait =
        round.length >= MAX_ROUND_COMMANDS ||
        shape.userIds.some((userId) => held.has(userId)) ||
        keys.has(command.idempotentKey) ||
        referenced.has(command.idempotentKey) ||
        shape.references.some((key) => keys.has(key)) ||
        !budget.fits(shape);
      if (mustWait) {
        for (const userId of shape.userIds) held.add(userId);
        waiting.push(entry);
        continue;
      }
      budget.add(shape);
      keys.add(command.idempotentKey);
      for (const key of shape.references) referenced.add(key);
      round.push(entry);
    }
    this.pending.splice(0, this.pending.length, ...waiting);
    return round;
  }

  private async decideRound(round: Entry[]): Promise<void> {
    const state = await this.knownState(round);
    if (!state) return;
    const decidable = round.filter((entry) => {
      const poison = state.poison.get(entry);
      if (poison) entry.resolve({ kind: 'poison', error: poison });
      return !poison;
    });
    const result = decide(
      state,
      decidable.map(({ command, ownTransactionIds }) => ({ command, ownTransactionIds })),
      { now: this.clock(), newTransactionId: this.newTransactionId },
    );
    const entryOf = new Map<Decision, Entry>();
    result.results.forEach((decided, index) => {
      const entry = decidable[index] as Entry;
      if ('outcome' in decided) return entry.resolve({ kind: 'decided', outcome: decided.outcome });
      entry.ownTransactionIds.add(decided.record.transactionId);
      entryOf.set(decided, entry);
    });

    const chunks = buildChunks(this.deps.config.tables, result, { maxActions: this.maxActions, grouping: this.grouping });
    const tracesOf = (chunk: Chunk) => chunk.targets.map((target) => (target.kind === 'record' ? entryOf.get(target.decision)?.trace : undefined));
    let backOff = false;
    // Each transaction is settled the moment it ends (chunks share no item, so their order does not
    // matter): its commands' replies, deletes and the pollers' next receives overlap the round's
    // other writes instead of waiting for the slowest one.
    await Promise.all(
      chunks.map(async (chunk) => {
        const committed = await runInCommandTraces(tracesOf(chunk), () => this.storeCall((signal) => commitChunk(this.deps.ddb, chunk, signal)));
        backOff = this.settle(chunk, committed, entryOf) || backOff;
      }),
    );
    if (backOff) await sleep(backoffMs(Math.max(...round.map((entry) => entry.attempts))));
  }

  /** Resolves, retries or fails a transaction's commands by how it ended; true when the round should back off. */
  private settle(chunk: Chunk, committed: ChunkResult, entryOf: Map<Decision, Entry>): boolean {
    if (committed.kind === 'committed') {
      this.committed(chunk, entryOf);
    } else if (committed.kind === 'failed') {
      const entries = [...new Set(chunk.targets.flatMap((target) => (target.kind === 'record' ? [entryOf.get(target.decision) as Entry] : [])))];
      this.writeFailed(chunk, entries, committed.error);
    } else if (this.committedBefore(chunk, committed.reasons)) {
      // The SDK retried a request that had committed: every Put finds its own record.
      this.committed(chunk, entryOf);
    } else {
      return this.cancelled(chunk, committed.reasons, entryOf);
    }
    return false;
  }

  /**
   * What the round reads: records stored under its keys that this process
   * has seen (duplicates are answered without a write), the records its
   * commands refer to (read fresh), and every user they read (cached, else
   * read). Undefined when the store is down. Items that can never be used
   * make their commands poison.
   */
  private async knownState(round: Entry[]): Promise<(LedgerState & { poison: Map<Entry, CorruptItemError> }) | undefined> {
    const records = new Map<string, TransactionRecord | null>();
    for (const { command } of round) {
      const stored = this.decided.get(command.idempotentKey);
      if (stored) records.set(command.idempotentKey, stored);
    }
    const open = round.filter((entry) => !records.has(entry.command.idempotentKey));
    const poison = new Map<Entry, CorruptItemError>();
    try {
      const referenced = [...new Set(open.flatMap((entry) => readsOf(entry.command, records).references))];
      const traces = open.map((entry) => entry.trace);
      const loadedRecords = referenced.length > 0 ? await runInCommandTraces(traces, () => this.storeCall((signal) => loadRecords(this.deps.ddb, this.deps.config.tables, referenced, signal))) : new Map();
      for (const [key, record] of loadedRecords) {
        if (!(record instanceof CorruptItemError)) records.set(key, record);
      }
      const users = new Map<string, UserState | null>();
      const corrupt = new Map<string, CorruptItemError>();
      const reads = new Map(open.map((entry) => [entry, readsOf(entry.command, records)]));
      const missing = new Set<string>();
      for (const { userIds } of reads.values()) {
        for (const userId of userIds) {
          const cached = this.users.get(userId);
          if (cached) users.set(userId, cached);
          else missing.add(userId);
        }
      }
      if (missing.size > 0) {
        for (const [userId, user] of await runInCommandTraces(traces, () => this.storeCall((signal) => loadUsers(this.deps.ddb, this.deps.config.tables, [...missing], signal)))) {
          if (user instanceof CorruptItemError) corrupt.set(userId, user);
          else users.set(userId, user);
        }
      }
      for (const [entry, read] of reads) {
        const bad = [...read.userIds.map((userId) => corrupt.get(userId)), ...read.references.map((key) => loadedRecords.get(key))].find(
          (item): item is CorruptItemError => item instanceof CorruptItemError,
        );
        if (bad) poison.set(entry, bad);
      }
      return { users, records, poison };
    } catch (error) {
      this.writeFailed(undefined, round, error as StoreUnavailableError | StoreFaultError);
      return undefined;
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
      entryOf.get(target.decision)?.resolve({ kind: 'decided', outcome: { kind: 'decided', record, replayed: false } });
    }
  }

  private committedBefore(chunk: Chunk, reasons: CancellationReason[]): boolean {
    return chunk.targets.some((target, index) => {
      const item = reasons[index]?.item;
      return target.kind === 'record' && reasons[index]?.code === 'ConditionalCheckFailed' && item?.transactionId === target.record.transactionId;
    });
  }

  /**
   * Splits a cancelled transaction by its reasons, learning from each what
   * is true now: a key that exists gives its stored record (decide answers
   * the command from it next round); a user that changed gives its item as
   * it is now (decided on without another read). The rest of the chunk is
   * decided again. Returns whether to back off first (conflict, throttling).
   */
  private cancelled(chunk: Chunk, reasons: CancellationReason[], entryOf: Map<Decision, Entry>): boolean {
    let backOff = false;
    let fault: StoreFaultError | undefined;
    const keyExists = new Set<Entry>();
    chunk.targets.forEach((target, index) => {
      const reason = reasons[index] ?? { code: 'None' };
      if (reason.code === 'TransactionConflict' || reason.code === 'ThrottlingError' || reason.code === 'ProvisionedThroughputExceeded') {
        backOff = true;
      } else if (reason.code !== 'None' && reason.code !== 'ConditionalCheckFailed') {
        fault = new StoreFaultError(`transaction cancelled: ${reason.code}`);
      }
      if (reason.code !== 'ConditionalCheckFailed') return;
      // A referenced record that changed is read afresh next round.
      if (target.kind === 'reference') return;
      if (target.kind === 'record') {
        // The other user's leg exists only if the command's own record does.
        if (target.record !== target.decision.record) return;
        const entry = entryOf.get(target.decision) as Entry;
        keyExists.add(entry);
        try {
          if (!reason.item) throw new CorruptItemError(`key ${entry.command.idempotentKey} exists but its record was not returned`);
          const stored = recordFromItem(reason.item);
          this.decided.set(stored.idempotentKey, stored);
        } catch (error) {
          entry.resolve({ kind: 'poison', error: error instanceof CorruptItemError ? error : new CorruptItemError('unreadable record', { cause: error }) });
        }
        return;
      }
      const current = reason.item ? parseUser(reason.item) : null;
      if (current && !(current instanceof CorruptItemError)) this.users.set(current);
      else this.users.forget(target.userId);
    });
    for (const target of chunk.targets) {
      if (target.kind !== 'record' || target.record !== target.decision.record) continue;
      const entry = entryOf.get(target.decision) as Entry;
      if (fault) {
        this.fail(entry, fault);
      } else if (keyExists.has(entry)) {
        this.pending.push(entry);
      } else if (++entry.attempts > this.deps.config.maxConflictRetries) {
        this.fail(entry, new ConflictRetriesExhaustedError(`user ${entry.command.userId} kept changing over ${this.deps.config.maxConflictRetries} retries`));
      } else {
        this.deps.onConflictRetry?.();
        this.pending.push(entry);
      }
    }
    return backOff;
  }

  /**
   * A write (or read) did not happen: with a circuit, an outage parks the
   * commands until the store answers; otherwise they fail. Whether an
   * unanswered write committed is unknown, so the cache forgets its users.
   */
  private writeFailed(chunk: Chunk | undefined, entries: Entry[], error: StoreUnavailableError | StoreFaultError): void {
    for (const target of chunk?.targets ?? []) if (target.kind === 'user') this.users.forget(target.userId);
    if (!chunk) for (const entry of entries) for (const userId of commandShape(entry.command).userIds) this.users.forget(userId);
    const { circuit } = this.deps;
    if (error instanceof StoreUnavailableError && circuit && !this.stopping) {
      circuit.open(error);
      this.pending.push(...entries);
      return;
    }
    for (const entry of entries) this.fail(entry, error);
  }

  /** A failed command takes the user's later waiting commands with it: none overtakes it (SPEC rule 11). */
  private fail(entry: Entry, error: WalletError): void {
    entry.resolve({ kind: 'failed', error });
    const later = this.pending.filter((other) => other.command.userId === entry.command.userId && other.seq > entry.seq);
    for (const other of later) {
      this.pending.splice(this.pending.indexOf(other), 1);
      other.resolve({ kind: 'failed', error });
    }
  }

  private releaseAll(): void {
    for (const entry of this.pending.splice(0)) entry.resolve({ kind: 'released' });
  }
}

export { MAX_TRANSACT_ACTIONS };

/** The users and records a command will read, as far as the command alone tells (a reversal may add its transfer's recipient). */
function commandShape(command: Command): { userIds: string[]; references: string[]; actions: number } {
  const { userIds, references } = readsOf(command, new Map());
  // Puts (its own record, the other user's leg) plus the unknown recipient a reversal may read.
  const puts = command.type === 'transfer' || command.type === 'reverse' ? 2 : 1;
  return { userIds, references, actions: puts + (command.type === 'reverse' ? 1 : 0) };
}

/**
 * Keeps a round's groups of shared items within one transaction: commands
 * that share a user or a record must be written together, so their actions
 * (one per item, one per record written) are counted per group.
 */
class UnitBudget {
  private readonly parent = new Map<string, string>();
  private readonly actions = new Map<string, number>();
  private readonly decisions = new Map<string, number>();

  constructor(
    private readonly maxActions: number,
    private readonly maxDecisions: number,
  ) {}

  fits(shape: { userIds: string[]; references: string[]; actions: number }): boolean {
    const items = this.items(shape);
    const roots = new Set(items.filter((item) => this.parent.has(item)).map((item) => this.root(item)));
    const fresh = items.filter((item) => !this.parent.has(item)).length;
    const actions = [...roots].reduce((sum, root) => sum + (this.actions.get(root) ?? 0), fresh + shape.actions);
    const decisions = [...roots].reduce((sum, root) => sum + (this.decisions.get(root) ?? 0), 1);
    return actions <= this.maxActions && decisions <= this.maxDecisions;
  }

  add(shape: { userIds: string[]; references: string[]; actions: number }): void {
    const items = this.items(shape);
    let actions = shape.actions;
    let decisions = 1;
    const roots = new Set<string>();
    for (const item of items) {
      if (this.parent.has(item)) roots.add(this.root(item));
      else actions++;
    }
    for (const root of roots) {
      actions += this.actions.get(root) ?? 0;
      decisions += this.decisions.get(root) ?? 0;
    }
    const [first] = items;
    if (first === undefined) return;
    for (const item of items) this.parent.set(item, first);
    for (const root of roots) this.parent.set(root, first);
    this.parent.set(first, first);
    this.actions.set(first, actions);
    this.decisions.set(first, decisions);
  }

  private items(shape: { userIds: string[]; references: string[] }): string[] {
    return [...new Set([...shape.userIds.map((userId) => `u:${userId}`), ...shape.references.map((key) => `r:${key}`)])];
  }

  private root(item: string): string {
    let current = item;
    for (;;) {
      const parent = this.parent.get(current) ?? current;
      if (parent === current) return current;
      current = parent;
    }
  }
}

function backoffMs(attempt: number): number {
  return Math.random() * Math.min(200, 5 * 2 ** attempt);
}
