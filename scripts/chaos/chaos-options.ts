import type { BulkheadOptions } from './bulkhead-phase.js';
import type { PlanShape } from './command-plan.js';

export interface ChaosOptions {
  plan: PlanShape;
  workers: number;
  pollersPerWorker: number;
  /** Worker SIGKILLs, each right after the victim was handed a batch. */
  kills: number;
  /** DynamoDB Local stop/start cycles (SIGTERM), each down for `ddbOutageMs`. */
  ddbRestarts: number;
  /**
   * Make every other restart a SIGKILL, first one included. Off by default: DynamoDB Local
   * acknowledges a TransactWriteItems and then loses it when SIGKILLed right after
   * (seen by this harness), which no client can defend against.
   */
  ddbCrash: boolean;
  ddbOutageMs: number;
  /** Messages published per second (paced, so the faults land while traffic flows). */
  publishPerSecond: number;
  faults: { before: number; after: number; stall: number; slowReply: number; sqs: number };
  visibilityTimeoutSeconds: number;
  /** The workers' WALLET_RETRY_BASE_SECONDS: 0 retries a failed command at once (short runs), 1 backs off 1, 2, 4… s. */
  retryBaseSeconds: number;
  /** High enough that chaos alone never dead-letters a command; any that are get redriven and reported. */
  maxReceiveCount: number;
  drainTimeoutMs: number;
  /** The outage phases that follow the chaos above (SPEC rule 10). */
  outage: OutageOptions;
  /** The bulkhead phase after them: corrupt items, a hot wallet throttled in bursts (issue 20). */
  bulkhead: BulkheadOptions;
  seed: number;
}

/**
 * Two phases on their own queues and worker processes, with the worker's
 * DEFAULT settings (maxReceiveCount 5, retry base, visibility timeout:
 * nothing raised to make them pass): DynamoDB refuses connections for
 * `refuseMs`, then hangs (accepts, answers nothing) for `hangMs`, behind a
 * TCP proxy between the workers and DynamoDB Local, while commands flow in.
 * Nothing is redriven: every command must be applied once and replied, with
 * nothing on the DLQ.
 */
export interface OutageOptions {
  /** Length of the phase in which DynamoDB refuses connections; 0 skips it. */
  refuseMs: number;
  /** Length of the phase in which DynamoDB accepts connections and answers nothing; 0 skips it. */
  hangMs: number;
  /**
   * When the hang ends, leave the connections accepted during it open and silent (a path that died)
   * instead of resetting them (a peer that restarted). Off by default: see the README.
   */
  hungStaySilent: boolean;
  /** Distinct valid commands published during each phase, paced over it (duplicates, reused keys… on top). */
  commandsPerPhase: number;
  usersPerPhase: number;
  /**
   * The outage workers' WALLET_RETRY_BASE_SECONDS; undefined keeps the worker's default. 0 makes the
   * point sharper: the retry-and-dead-letter design dead-lettered every waiting command within a second.
   */
  retryBaseSeconds?: number;
  /** How long the backlog of one phase may take to drain once DynamoDB is back. */
  drainTimeoutMs: number;
}

/** The full run behind `npm run chaos`. */
export const FULL_RUN: ChaosOptions = {
  plan: {
    commands: 5000,
    users: 50,
    duplicateRate: 0.15,
    reusedKeyRate: 0.03,
    ghostRate: 0.01,
    invalidRate: 0.01,
    wallets: { opened: 10, closed: 4, freezeRate: 0.01, closedRate: 0.02, currencyRate: 0.05 },
  },
  workers: 3,
  pollersPerWorker: 2,
  kills: 4,
  ddbRestarts: 2,
  ddbCrash: false,
  ddbOutageMs: 4_000,
  publishPerSecond: 150,
  faults: { before: 0.05, after: 0.03, stall: 0.005, slowReply: 0.005, sqs: 0.02 },
  visibilityTimeoutSeconds: 4,
  retryBaseSeconds: 1,
  maxReceiveCount: 50,
  drainTimeoutMs: 10 * 60_000,
  outage: {
    refuseMs: 180_000,
    hangMs: 180_000,
    hungStaySilent: true,
    commandsPerPhase: 600,
    usersPerPhase: 20,
    drainTimeoutMs: 5 * 60_000,
  },
  bulkhead: {
    commands: 600,
    users: 10,
    hotShare: 0.4,
    throttleOnMs: 3_000,
    throttleOffMs: 3_000,
    poisonPerItem: 3,
    publishPerSecond: 40,
    drainTimeoutMs: 3 * 60_000,
  },
  seed: Date.now() % 1_000_000,
};

/** The light variant inside `npm test`: the same harness and checks, a few seconds of traffic. */
export const TEST_RUN: ChaosOptions = {
  ...FULL_RUN,
  plan: {
    ...FULL_RUN.plan,
    commands: 300,
    users: 10,
    duplicateRate: 0.2,
    reusedKeyRate: 0.05,
    ghostRate: 0.02,
    invalidRate: 0.02,
    wallets: { opened: 3, closed: 2, freezeRate: 0.03, closedRate: 0.06, currencyRate: 0.08 },
  },
  workers: 2,
  kills: 1,
  ddbRestarts: 1,
  ddbOutageMs: 1_500,
  publishPerSecond: 50,
  // No backoff tail: the few commands that failed several times would otherwise wait 8–30 s to come back.
  retryBaseSeconds: 0,
  drainTimeoutMs: 60_000,
  // Still far past the old retry budget: with delays of 0 it dead-lettered within a second of outage.
  // Refusing for 6 s, not 12: a paused worker probes 0.5, 1.5, 3.5, 7.5 and 15.5 s after it paused, so
  // a 12 s refusal was seen over only at the 15.5 s probe (about 4 s of waiting on nothing); 6 s still
  // fails three probes. The hang stays 12 s: over twice the 5 s DynamoDB call timeout it depends on.
  outage: {
    refuseMs: 6_000,
    hangMs: 12_000,
    hungStaySilent: true,
    commandsPerPhase: 60,
    usersPerPhase: 5,
    retryBaseSeconds: 0,
    drainTimeoutMs: 60_000,
  },
  bulkhead: {
    commands: 80,
    users: 4,
    hotShare: 0.4,
    throttleOnMs: 1_500,
    throttleOffMs: 1_500,
    poisonPerItem: 2,
    publishPerSecond: 40,
    drainTimeoutMs: 60_000,
  },
};
