/**
 * The store calls in flight, each with an abort signal of its own (so no
 * listener piles up on a shared one): a stop that has waited long enough
 * aborts those still hung, and every later call starts aborted.
 */
export class StoreCalls {
  private readonly inFlight = new Set<AbortController>();
  private givenUp = false;

  async run<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    if (this.givenUp) controller.abort();
    this.inFlight.add(controller);
    try {
      return await call(controller.signal);
    } finally {
      this.inFlight.delete(controller);
    }
  }

  giveUp(): void {
    this.givenUp = true;
    for (const call of this.inFlight) call.abort();
  }
}
