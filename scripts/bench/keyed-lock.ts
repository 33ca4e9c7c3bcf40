/**
 * Runs tasks for the same key one after another, tasks for different keys
 * concurrently: the benchmark's direct runs write one user's commands in
 * order, so the one-transaction ceiling never pays for optimistic conflicts.
 * (The worker itself keeps a user's order in its ledger engine.)
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
