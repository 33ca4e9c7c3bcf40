import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { commandTracer, type CommandTrace } from './tracing.js';

/**
 * The one object through which the worker records what it does: metrics
 * (prom-client, EMF) and traces (@opentelemetry/api). The worker receives it
 * in its deps; every method is cheap, synchronous and never throws, so a call
 * site needs no guard. `noopTelemetry` records no metrics; its traces go to
 * the OpenTelemetry API, itself a no-op until the application registers an SDK.
 */
export interface Telemetry {
  /** A command was decided (its reply is built): applied or rejected, first time or replayed. */
  commandDecided(decision: Decision): void;
  /** A message was not a valid command (invalid_command). */
  invalidCommand(): void;
  /** The optimistic check on the user item failed and the decision is retried. */
  conflictRetry(): void;
  /** One DynamoDB write recorded this many decisions (1 per command until group commit). */
  groupCommitted(size: number): void;
  /** Time to decide one command (the DynamoDB read and write, retries included), in ms. */
  decideLatency(ms: number): void;
  /** From the command message's SentTimestamp until its reply was published, in ms. */
  endToEndLatency(ms: number): void;
  /** Messages received and not yet finished: +n when a batch arrives, -n when it is done. */
  inFlight(delta: number): void;
  /** Where the poll loop is: polling, paused (store unavailable, circuit open) or stopped. */
  pollPaused(state: PollState): void;
  /** A message left for the dead-letter queue (its last delivery failed), with the error code. */
  deadLettered(reason: string): void;
  /** Starts the span of one command, continuing the trace its message attributes carry. */
  commandReceived(message: Message): CommandTrace;
  /** Current poll state, for the readiness probe. */
  readonly pollState: PollState;
}

export interface Decision {
  type: string;
  status: 'applied' | 'rejected';
  reason?: string | undefined;
  replayed: boolean;
}

export type PollState = 'starting' | 'polling' | 'paused' | 'stopped';

/** The message attributes the worker asks SQS for so that traces continue across the queue. */
export const TRACE_MESSAGE_ATTRIBUTES = ['traceparent', 'tracestate'] as const;

/** Milliseconds since the message was first sent, from its SentTimestamp system attribute. */
export function sinceSent(message: Message, now = Date.now()): number | undefined {
  const sent = Number(message.Attributes?.SentTimestamp);
  return Number.isFinite(sent) && sent > 0 ? Math.max(0, now - sent) : undefined;
}

/** Metric methods that do nothing; extended by the recording implementation. */
export class NoopTelemetry implements Telemetry {
  private state: PollState = 'starting';
  get pollState(): PollState {
    return this.state;
  }
  commandDecided(_decision: Decision): void {}
  invalidCommand(): void {}
  conflictRetry(): void {}
  groupCommitted(_size: number): void {}
  decideLatency(_ms: number): void {}
  endToEndLatency(_ms: number): void {}
  inFlight(_delta: number): void {}
  pollPaused(state: PollState): void {
    this.state = state;
  }
  deadLettered(_reason: string): void {}
  commandReceived(message: Message): CommandTrace {
    return commandTracer.start(message);
  }
}

export const noopTelemetry = (): Telemetry => new NoopTelemetry();

export type ReplyTraceAttributes = Record<string, MessageAttributeValue>;
