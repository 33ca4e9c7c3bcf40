import type { UserState } from './model.js';
import { LruMap } from './lru-map.js';

/**
 * The last known state of recently used users, per process. A hit lets the
 * happy path skip its read: the write is conditional on exactly this state,
 * so a stale entry only costs a cancelled transaction, which hands back the
 * current item to decide on. Never a source of truth.
 */
export class UserStateCache {
  private readonly entries: LruMap<string, UserState>;

  constructor(capacity = 10_000) {
    this.entries = new LruMap(capacity);
  }

  get(userId: string): UserState | undefined {
    return this.entries.get(userId);
  }

  set(state: UserState): void {
    this.entries.set(state.userId, state);
  }

  forget(userId: string): void {
    this.entries.delete(userId);
  }
}
