import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

export type CircuitState = 'closed' | 'open';

export interface CircuitOptions {
  /** First delay between probes; doubles up to maxProbeDelayMs while the store stays down. */
  minProbeDelayMs: number;
  maxProbeDelayMs: number;
}

/**
 * Whether the store can be used (SPEC rule 10). An outage opens the circuit:
 * no command is decided (the worker's pollers wait, so nothing new is
 * received and no receive count grows), a probe asks the store a cheap
 * question with growing delays, and the first answer closes it again.
 */
export class StoreCircuit {
  private current: CircuitState = 'closed';
  private waiters: (() => void)[] = [];
  private readonly stopProbing = new AbortController();

  constructor(
    private readonly probe: () => Promise<unknown>,
    private readonly logger: Logger,
    private readonly options: CircuitOptions = { minProbeDelayMs: 500, maxProbeDelayMs: 10_000 },
    private readonly onChange: (state: CircuitState) => void = () => undefined,
  ) {}

  get state(): CircuitState {
    return this.current;
  }

  /** Called with the failure that showed the store is down; probing starts at once. */
  open(cause: unknown): void {
    if (this.current === 'open' || this.stopProbing.signal.aborted) return;
    this.current = 'open';
    this.logger.warn({ err: cause }, 'store unavailable: pausing until it answers again');
    this.onChange('open');
    void this.probeUntilAnswered();
  }

  /** Resolves when the circuit is closed (at once when it is) or stopped. */
  async whenClosed(): Promise<void> {
    if (this.current === 'closed' || this.stopProbing.signal.aborted) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  stop(): void {
    this.stopProbing.abort();
    this.wake();
  }

  private async probeUntilAnswered(): Promise<void> {
    const openedAt = Date.now();
    let delay = this.options.minProbeDelayMs;
    let probes = 0;
    while (!this.stopProbing.signal.aborted) {
      try {
        await sleep(delay, undefined, { signal: this.stopProbing.signal });
      } catch {
        return; // stopped
      }
      probes++;
      try {
        await this.probe();
      } catch (err) {
        this.logger.debug({ err, probes }, 'store still unavailable');
        delay = Math.min(this.options.maxProbeDelayMs, delay * 2);
        continue;
      }
      this.current = 'closed';
      this.logger.info({ downForMs: Date.now() - openedAt, probes }, 'store answers again: resuming');
      this.onChange('closed');
      this.wake();
      return;
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
