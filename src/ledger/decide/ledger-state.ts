import type { Command } from '../../messages/command.js';
import type { TransactionRecord, UserState } from '../model.js';
import type { ApplyOutcome } from '../outcome.js';

/**
 * What the decide step reads and returns. Everything here is plain data: the
 * decide step does no I/O, reads no clock and draws no random numbers.
 */

/** The users a batch of commands reads: a state, or null for a user known not to exist. */
export type KnownUsers = ReadonlyMap<string, UserState | null>;

/**
 * What the decide step knows: users, and records, both those stored under
 * some commands' own keys (those are answered from them) and those commands
 * refer to (a hold, an original), null when known not to exist.
 */
export interface LedgerState {
  users: KnownUsers;
  records: ReadonlyMap<string, TransactionRecord | null>;
}

export interface CommandToDecide {
  command: Command;
  /** Transaction ids this process already wrote the command under: finding one stored is its own commit, not a replay. */
  ownTransactionIds?: ReadonlySet<string>;
}

export interface DecideContext {
  /** The decision time, in epoch milliseconds (the caller's clock). */
  now: number;
  /** A new transaction id (the caller's randomness). */
  newTransactionId(): string;
  /** The currency of wallets whose item names none (made before currencies): WALLET_DEFAULT_CURRENCY. */
  defaultCurrency: string;
}

/** How one item changes in a decision; its write is conditional on `before`. */
export interface Transition<T> {
  before: T | null;
  after: T | null;
}
export type UserTransition = Transition<UserState>;
export type RecordTransition = Transition<TransactionRecord>;

/** A new decision: the records to write (the command's own first, then the other user's leg). */
export interface Decision {
  command: Command;
  record: TransactionRecord;
  legs: TransactionRecord[];
  /** The users and the records of other commands this decision read: their writes must travel with it. */
  userIds: string[];
  references: string[];
}

/** A command answered from the record already stored under its key: nothing to write. */
export interface Answer {
  command: Command;
  outcome: ApplyOutcome;
}

export interface DecideResult {
  /** One per command, in input order. */
  results: (Decision | Answer)[];
  /** The new decisions only, in input order: what must be written. */
  decisions: Decision[];
  /** Every user read, from the state read to the state after every decision. */
  users: Map<string, UserTransition>;
  /** Every referenced record read, likewise. */
  references: Map<string, RecordTransition>;
}
