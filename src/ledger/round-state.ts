import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.js';
import { CorruptItemError } from '../errors.js';
import type { Command } from '../messages/command.js';
import { runInCommandTraces, type CommandTrace } from '../observability/tracing.js';
import { readsOf } from './decide/decide.js';
import type { LedgerState } from './decide/ledger-state.js';
import type { TransactionRecord, UserState } from './model.js';
import { loadRecords, loadUsers } from './load-items.js';
import type { LruMap } from './lru-map.js';
import type { UserStateCache } from './user-cache.js';

export interface RoundCommand {
  command: Command;
  trace?: CommandTrace | undefined;
}

/** What a round decides on, and which of its commands read an item that is not money data. */
export interface RoundState<T extends RoundCommand = RoundCommand> extends LedgerState {
  users: Map<string, UserState | null>;
  records: Map<string, TransactionRecord | null>;
  poison: Map<T, CorruptItemError>;
}

export interface ReadDeps {
  ddb: DynamoDBDocumentClient;
  tables: Config['tables'];
  users: UserStateCache;
  decided: LruMap<string, TransactionRecord>;
  storeCall<R>(call: (signal: AbortSignal) => Promise<R>): Promise<R>;
}

/**
 * What a round reads: records stored under its keys that this process has
 * seen (duplicates are answered without a write), the records its commands
 * refer to (read fresh), and every user they read (cached, else read).
 * A command that reads an item that is not money data is poison; the others
 * are decided as usual. Store failures are thrown, classified.
 */
export async function readRound<T extends RoundCommand>(round: readonly T[], deps: ReadDeps): Promise<RoundState<T>> {
  const records = new Map<string, TransactionRecord | null>();
  for (const { command } of round) {
    const stored = deps.decided.get(command.idempotentKey);
    if (stored) records.set(command.idempotentKey, stored);
  }
  const open = round.filter((entry) => !records.has(entry.command.idempotentKey));
  const traces = open.map((entry) => entry.trace);
  const referenced = [...new Set(open.flatMap((entry) => readsOf(entry.command, records).references))];
  const loadedRecords =
    referenced.length > 0
      ? await runInCommandTraces(traces, () => deps.storeCall((signal) => loadRecords(deps.ddb, deps.tables, referenced, signal)))
      : new Map();
  for (const [key, record] of loadedRecords) if (!(record instanceof CorruptItemError)) records.set(key, record);

  const users = new Map<string, UserState | null>();
  const corrupt = new Map<string, CorruptItemError>();
  const reads = new Map(open.map((entry) => [entry, readsOf(entry.command, records)]));
  const missing = new Set<string>();
  for (const { userIds } of reads.values()) {
    for (const userId of userIds) {
      const cached = deps.users.get(userId);
      if (cached) users.set(userId, cached);
      else missing.add(userId);
    }
  }
  if (missing.size > 0) {
    const loaded = await runInCommandTraces(traces, () =>
      deps.storeCall((signal) => loadUsers(deps.ddb, deps.tables, [...missing], signal)),
    );
    for (const [userId, user] of loaded) {
      if (user instanceof CorruptItemError) corrupt.set(userId, user);
      else users.set(userId, user);
    }
  }
  const poison = new Map<T, CorruptItemError>();
  for (const [entry, read] of reads) {
    const bad = [...read.userIds.map((userId) => corrupt.get(userId)), ...read.references.map((key) => loadedRecords.get(key))].find(
      (item): item is CorruptItemError => item instanceof CorruptItemError,
    );
    if (bad) poison.set(entry, bad);
  }
  return { users, records, poison };
}
