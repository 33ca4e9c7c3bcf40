import type { UserState } from './items.js';

/**
 * The last known state of recently used users, per process. A hit lets the
 * happy path skip its GetItem: the write is conditional on exactly this
 * state, so a stale entry only costs a cancelled transaction, which hands
 * back the current item to retry on. Never a source of truth.
 */
export class UserStateCache {
  private readonly entries = new Map<string, UserState>();

  constructor(private readonly capacity = 10_000) {}

  get(userId: string): UserState | undefined {
    const state = this.entries.get(userId);
    if (state) {
      // Re-insert so Map order is least-recently-used first.
      this.entries.delete(userId);
      this.entries.set(userId, state);
    }
    return state;
  }

  set(state: UserState): void {
    this.entries.delete(state.userId);
    this.entries.set(state.userId, state);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  forget(userId: string): void {
    this.entries.delete(userId);
  }
}
