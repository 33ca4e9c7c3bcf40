/**
 * How many received messages a worker takes in, so that its pollers keep the
 * engine fed without holding an unbounded backlog.
 *
 * A poller hands its batch to the engine and polls again at once; it does
 * not wait for the batch's replies and deletes (those finish in the
 * background). Waiting made every poller spend two more SQS round trips per
 * batch (reply, delete) holding nothing the engine could group: one user's
 * commands reached the engine in thinner groups than the same number of
 * pollers allows (hot user, end to end over engine only: 0.53).
 *
 * A receive may start only when the messages it could return (`batchSize`)
 * fit: at most `maxUndecided` messages waiting for a decision (what the
 * pollers held before: pollers × batch size) and at most `maxHeld` in the
 * worker at all (undecided, or decided with their replies and deletes under
 * way), receives in flight counted as full batches. So a stalled store or a
 * stalled reply queue stops the intake instead of growing it.
 */
export class Intake {
  private undecided = 0;
  private held = 0;
  /** Receives in flight, each counted as a full batch until it returns. */
  private reserved = 0;
  /** Pollers waiting for room: how to wake each, and how to refuse it when its stop signal aborts. */
  private readonly waiting = new Map<() => void, { signal: AbortSignal; refuse: (reason: unknown) => void }>();
  /**
   * Stop signals already listened to: one listener per signal, however many
   * pollers wait on it (a listener per waiter printed MaxListenersExceededWarning
   * past ten pollers).
   */
  private readonly watched = new WeakSet<AbortSignal>();

  constructor(
    private readonly batchSize: number,
    private readonly maxUndecided: number,
    private readonly maxHeld: number,
  ) {}

  /**
   * Resolves when a receive may start, with the function to call once it
   * returned (with the number of messages; 0 when it failed). Rejects with
   * the signal's reason once it aborts (the worker is stopping).
   */
  async admit(signal: AbortSignal): Promise<(received: number) => void> {
    while (!this.hasRoom()) {
      signal.throwIfAborted();
      this.watch(signal);
      await new Promise<void>((resolve, reject) => {
        this.waiting.set(resolve, { signal, refuse: reject });
      });
    }
    signal.throwIfAborted();
    this.reserved += this.batchSize;
    let returned = false;
    return (received) => {
      if (returned) return;
      returned = true;
      this.reserved -= this.batchSize;
      this.undecided += received;
      this.held += received;
      this.wake();
    };
  }

  /** `count` messages are decided (or will not be): the engine has room again. */
  decided(count: number): void {
    this.undecided -= count;
    this.wake();
  }

  /** `count` messages are finished: deleted, or handed back to the queue. */
  finished(count: number): void {
    this.held -= count;
    this.wake();
  }

  get counts(): { undecided: number; held: number; reserved: number } {
    return { undecided: this.undecided, held: this.held, reserved: this.reserved };
  }

  private hasRoom(): boolean {
    return (
      this.undecided + this.reserved + this.batchSize <= this.maxUndecided && this.held + this.reserved + this.batchSize <= this.maxHeld
    );
  }

  private watch(signal: AbortSignal): void {
    if (this.watched.has(signal)) return;
    this.watched.add(signal);
    signal.addEventListener(
      'abort',
      () => {
        for (const [wake, waiter] of this.waiting) {
          if (waiter.signal !== signal) continue;
          this.waiting.delete(wake);
          waiter.refuse(signal.reason);
        }
      },
      { once: true },
    );
  }

  private wake(): void {
    if (this.waiting.size === 0 || !this.hasRoom()) return;
    // Each woken poller checks again; the first ones to find room take it.
    const waiting = [...this.waiting.keys()];
    this.waiting.clear();
    for (const wake of waiting) wake();
  }
}
