import type { Command } from '../messages/command.js';
import type { TransactionRecord } from './items.js';

/** How a command was decided: its stored record (new or found again), or a refusal of a reused key. */
export type ApplyOutcome =
  | { kind: 'decided'; record: TransactionRecord; replayed: boolean }
  /** `decidedAt` is when the key was first decided, so every refusal under it reads the same. */
  | { kind: 'key_reused'; command: Command; decidedAt: string };

/** Same command = same user, type and amount (compared as money: "10" and "10.00" are one amount). */
export function isSameCommand(stored: TransactionRecord, command: Command, amount: bigint): boolean {
  return stored.userId === command.userId && stored.type === command.type && stored.amount === amount;
}
