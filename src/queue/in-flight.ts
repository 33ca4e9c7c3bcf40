import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { changeVisibility } from './visibility.js';

/**
 * The messages this worker holds, kept invisible by a heartbeat (SPEC rule
 * 10): a command still being decided, or parked by an outage, is never
 * delivered to a second worker because its visibility timeout ran out.
 */
export class InFlightMessages {
  private readonly held = new Set<Message>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly visibilityTimeoutSeconds: number,
    private readonly logger: Logger,
  ) {
    // A beat at a third of the timeout leaves two beats' margin for a slow or failed call.
    const intervalMs = Math.max(1, Math.floor(visibilityTimeoutSeconds / 3)) * 1000;
    this.timer = setInterval(() => void this.beat(), intervalMs);
    this.timer.unref();
  }

  get size(): number {
    return this.held.size;
  }

  add(messages: readonly Message[]): void {
    for (const message of messages) this.held.add(message);
  }

  /** Call before deleting a message or setting its visibility, so no beat overrides that. */
  delete(messages: readonly Message[]): void {
    for (const message of messages) this.held.delete(message);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async beat(): Promise<void> {
    if (this.held.size === 0) return;
    try {
      await changeVisibility(this.sqs, this.queueUrl, [...this.held], this.visibilityTimeoutSeconds);
    } catch (err) {
      this.logger.warn({ err, messages: this.held.size }, 'heartbeat could not extend visibility');
    }
  }
}
