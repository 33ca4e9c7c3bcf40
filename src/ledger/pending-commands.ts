import type { CommandTooLargeError, CorruptItemError, WalletError } from '../errors.js';
import type { Command } from '../messages/command.js';
import type { CommandTrace } from '../observability/tracing.js';
import type { ApplyOutcome } from './outcome.js';
import { planRound, type Candidate, type PlanOptions } from './round-plan.js';

/** What became of one submitted command. */
export type EngineResult =
  | { kind: 'decided'; outcome: ApplyOutcome }
  /** Not decided this time; trying again later can succeed. */
  | { kind: 'failed'; error: WalletError }
  /** Can never be decided as the data stands (an item that is not money, a command larger than a transaction): dead-letter it now. */
  | { kind: 'poison'; error: CorruptItemError | CommandTooLargeError }
  /** The engine stopped before it could decide it: hand the message back to the queue. */
  | { kind: 'released' };

export interface Entry {
  seq: number;
  command: Command;
  /** Times an item it read changed under it (charged retries). */
  attempts: number;
  /** Times it was throttled (never charged). */
  throttles: number;
  /** Not decided again before this time (epoch ms): its backoff. */
  notBefore: number;
  /** Decided in a round of its own from now on: it was in a round that failed as a whole. */
  alone: boolean;
  done: boolean;
  /** Transaction ids this process wrote the command under: finding one stored means it was ours, not a replay. */
  ownTransactionIds: Set<string>;
  /** The command's trace: the reads and writes that decide it become spans of it. */
  trace?: CommandTrace | undefined;
  resolve(result: EngineResult): void;
}

/** Answers a command once; later answers (a stale retry) are ignored. */
export function finish(entry: Entry, result: EngineResult): void {
  if (entry.done) return;
  entry.done = true;
  entry.resolve(result);
}

/**
 * The commands waiting to be decided, in arrival order: the engine takes
 * rounds from them and puts back what is to be decided again.
 */
export class PendingCommands {
  private entries: Entry[] = [];
  private nextSeq = 0;
  /** Whether entries are in arrival order: add keeps it; requeue puts older commands back at the end. */
  private inOrder = true;

  get size(): number {
    return this.entries.length;
  }

  add(command: Command, trace: CommandTrace | undefined): Promise<EngineResult> {
    return new Promise((resolve) => {
      this.entries.push({
        seq: this.nextSeq++,
        command,
        attempts: 0,
        throttles: 0,
        notBefore: 0,
        alone: false,
        done: false,
        ownTransactionIds: new Set(),
        trace,
        resolve,
      });
    });
  }

  /** Puts back commands still open (decided again in a later round, in their arrival order). */
  requeue(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.done) continue;
      this.entries.push(entry);
      this.inOrder = false;
    }
  }

  /** Takes the commands round planning allows, with their shapes as far as the engine knows them; also those too large by that guess (judged again after the read). */
  take(planOf: (command: Command) => Pick<Candidate, 'reads' | 'shape'>, options: PlanOptions, now: number): Entry[] {
    if (!this.inOrder) {
      this.entries.sort((a, b) => a.seq - b.seq);
      this.inOrder = true;
    }
    const candidates = this.entries.map(
      (entry): Candidate => ({
        key: entry.command.idempotentKey,
        ...planOf(entry.command),
        due: entry.notBefore <= now,
        alone: entry.alone,
      }),
    );
    const plan = planRound(candidates, options);
    const taken = new Set([...plan.take, ...plan.tooLarge]);
    const round: Entry[] = [];
    const rest: Entry[] = [];
    this.entries.forEach((entry, index) => {
      (taken.has(index) ? round : rest).push(entry);
    });
    this.entries = rest;
    return round;
  }

  /** Milliseconds until the earliest backoff ends. */
  nextDueIn(now: number): number {
    return Math.min(...this.entries.map((entry) => entry.notBefore)) - now;
  }

  /** A failed command takes its user's later waiting commands with it: none overtakes it (SPEC rule 11). */
  fail(entry: Entry, error: WalletError): void {
    finish(entry, { kind: 'failed', error });
    this.removeWhere((other) => other.command.userId === entry.command.userId && other.seq > entry.seq, { kind: 'failed', error });
  }

  /** Commands backing off from throttling, and their users' later ones, go back to the queue. */
  releaseThrottled(): void {
    const users = new Set(this.entries.filter((entry) => entry.throttles > 0).map((entry) => entry.command.userId));
    this.removeWhere((entry) => users.has(entry.command.userId), { kind: 'released' });
  }

  releaseAll(): void {
    this.removeWhere(() => true, { kind: 'released' });
  }

  private removeWhere(matches: (entry: Entry) => boolean, result: EngineResult): void {
    const removed: Entry[] = [];
    const rest: Entry[] = [];
    for (const entry of this.entries) (matches(entry) ? removed : rest).push(entry);
    this.entries = rest;
    for (const entry of removed) finish(entry, result);
  }
}
