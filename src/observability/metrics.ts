import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { NoopTelemetry, type Decision, type PollState } from './telemetry.js';

/**
 * The worker's metrics in a prom-client registry: served on /metrics and,
 * read back from the same registry, written as CloudWatch EMF lines. Every
 * name starts with `wallet_`; EMF_NAMES maps them to CloudWatch names.
 */
const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const GROUP_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const POLL_STATES: PollState[] = ['starting', 'polling', 'paused', 'stopped'];

export class MetricsTelemetry extends NoopTelemetry {
  readonly registry = new Registry();
  private readonly decided = new Counter({
    name: 'wallet_commands_decided_total',
    help: 'Commands decided, by type, status and reason (none when applied)',
    labelNames: ['type', 'status', 'reason'],
    registers: [this.registry],
  });
  private readonly replays = new Counter({
    name: 'wallet_replays_total',
    help: 'Deliveries answered with the stored outcome (replayed: true)',
    labelNames: ['type'],
    registers: [this.registry],
  });
  private readonly reusedKeys = new Counter({
    name: 'wallet_reused_keys_total',
    help: 'Commands rejected idempotency_key_reused',
    registers: [this.registry],
  });
  private readonly invalid = new Counter({
    name: 'wallet_invalid_commands_total',
    help: 'Messages that were not a valid command (invalid_command)',
    registers: [this.registry],
  });
  private readonly conflicts = new Counter({
    name: 'wallet_conflict_retries_total',
    help: 'Optimistic-check failures on the user item, each retried',
    registers: [this.registry],
  });
  private readonly groupSize = new Histogram({
    name: 'wallet_group_commit_size',
    help: 'Decisions recorded per DynamoDB write',
    buckets: GROUP_SIZE_BUCKETS,
    registers: [this.registry],
  });
  private readonly decide = new Histogram({
    name: 'wallet_decide_duration_seconds',
    help: 'Time to decide one command (DynamoDB read and write, retries included)',
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  private readonly endToEnd = new Histogram({
    name: 'wallet_end_to_end_duration_seconds',
    help: "From the command message's SentTimestamp to its reply published",
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  private readonly inFlightGauge = new Gauge({
    name: 'wallet_messages_in_flight',
    help: 'Messages received and not yet finished',
    registers: [this.registry],
  });
  private readonly pausedGauge = new Gauge({
    name: 'wallet_poll_paused',
    help: '1 while polling is paused (store unavailable, circuit open), else 0',
    registers: [this.registry],
  });
  private readonly stateGauge = new Gauge({
    name: 'wallet_poll_state',
    help: 'The poll loop state, one-hot by state',
    labelNames: ['state'],
    registers: [this.registry],
  });
  private readonly pauses = new Counter({ name: 'wallet_poll_pauses_total', help: 'Times polling was paused', registers: [this.registry] });
  private readonly deadLetters = new Counter({
    name: 'wallet_dead_lettered_total',
    help: 'Messages left for the dead-letter queue after their last delivery failed, by error code',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  constructor({ processMetrics = true }: { processMetrics?: boolean } = {}) {
    super();
    // Node's own figures (heap, event loop lag, CPU) on /metrics only; EMF carries the wallet_ ones.
    if (processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'wallet_process_' });
    this.setPollState('starting');
    this.inFlightGauge.set(0);
  }

  override commandDecided({ type, status, reason, replayed }: Decision): void {
    this.decided.inc({ type: type || 'unknown', status, reason: reason ?? 'none' });
    if (replayed) this.replays.inc({ type: type || 'unknown' });
    if (reason === 'idempotency_key_reused') this.reusedKeys.inc();
  }
  override invalidCommand(): void {
    this.invalid.inc();
  }
  override conflictRetry(): void {
    this.conflicts.inc();
  }
  override groupCommitted(size: number): void {
    this.groupSize.observe(size);
  }
  override decideLatency(ms: number): void {
    this.decide.observe(ms / 1000);
  }
  override endToEndLatency(ms: number): void {
    this.endToEnd.observe(ms / 1000);
  }
  override inFlight(delta: number): void {
    this.inFlightGauge.inc(delta);
  }
  override pollPaused(state: PollState): void {
    if (state === 'paused' && this.pollState !== 'paused') this.pauses.inc();
    super.pollPaused(state);
    this.setPollState(state);
  }
  override deadLettered(reason: string): void {
    this.deadLetters.inc({ reason });
  }

  private setPollState(state: PollState): void {
    for (const each of POLL_STATES) this.stateGauge.set({ state: each }, each === state ? 1 : 0);
    this.pausedGauge.set(state === 'paused' ? 1 : 0);
  }
}
