import type { Command } from '../messages/command.js';
import type { TransactionRecord } from './model.js';

/** How a command was decided: its stored record (new or found again), or a refusal of a reused key. */
export type ApplyOutcome =
  | { kind: 'decided'; record: TransactionRecord; replayed: boolean }
  /** `decidedAt` is when this refusal was made (nothing is recorded for it; the original's time is not revealed). */
  | { kind: 'key_reused'; command: Command; decidedAt: string };
