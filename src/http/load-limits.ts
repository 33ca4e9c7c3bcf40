import { TooManyWaitersError } from '../errors.js';

/**
 * Failed authentications per source (client address) in a fixed window: past
 * `limit`, the source is refused until its window ends, before its token is
 * even checked, so a guesser learns nothing more (not even from a token that
 * would pass). Kept in memory per gateway process, at most `maxSources`
 * sources (the oldest dropped first), so a flood of addresses cannot grow it.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxSources = 100_000,
  ) {}

  /** Milliseconds until `source` may try again; 0 when it may now. */
  blockedFor(source: string): number {
    const window = this.windows.get(source);
    if (!window) return 0;
    const left = window.resetAt - this.now();
    if (left <= 0) {
      this.windows.delete(source);
      return 0;
    }
    return window.count >= this.limit ? left : 0;
  }

  recordFailure(source: string): void {
    const now = this.now();
    const window = this.windows.get(source);
    if (window && window.resetAt > now) {
      window.count += 1;
      return;
    }
    this.windows.delete(source);
    if (this.windows.size >= this.maxSources) this.evict(now);
    this.windows.set(source, { count: 1, resetAt: now + this.windowMs });
  }

  private evict(now: number): void {
    for (const [source, window] of this.windows) if (window.resetAt <= now) this.windows.delete(source);
    const oldest = this.windows.keys().next();
    if (this.windows.size >= this.maxSources && !oldest.done) this.windows.delete(oldest.value);
  }
}

/**
 * A cap on concurrent `?wait=true` requests: each holds a connection and a
 * waiter in the reply listener until its reply or its timeout, so without a
 * cap a burst of slow waits exhausts sockets and memory for everyone.
 */
export class WaiterGate {
  private inUse = 0;
  constructor(private readonly capacity: number) {}

  /** Runs `work` in a waiter slot, or throws TooManyWaitersError when none is free. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.inUse >= this.capacity)
      throw new TooManyWaitersError(`more than ${this.capacity} requests are waiting for replies; retry, or send without ?wait=true`);
    this.inUse += 1;
    try {
      return await work();
    } finally {
      this.inUse -= 1;
    }
  }

  get waiting(): number {
    return this.inUse;
  }
}

/**
 * One answer shared by every caller for `ttlMs` and by concurrent callers
 * while it is being computed: /health is unauthenticated, so it must not
 * turn each anonymous request into calls to SQS and DynamoDB.
 */
export function cached<T>(compute: () => Promise<T>, ttlMs: number, now: () => number = Date.now): () => Promise<T> {
  let entry: { value: Promise<T>; at: number } | undefined;
  return () => {
    if (!entry || now() - entry.at >= ttlMs) {
      const value = compute();
      entry = { value, at: now() };
      // A failed computation is not kept.
      value.catch(() => {
        if (entry?.value === value) entry = undefined;
      });
    }
    return entry.value;
  };
}
