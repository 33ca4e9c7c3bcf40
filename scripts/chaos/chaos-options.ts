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
  seed: number;
}

/** The full run behind `npm run chaos`. */
export const FULL_RUN: ChaosOptions = {
  plan: { commands: 5000, users: 50, duplicateRate: 0.15, reusedKeyRate: 0.03, ghostRate: 0.01, invalidRate: 0.01 },
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
  seed: Date.now() % 1_000_000,
};

/** The light variant inside `npm test`: the same harness and checks, a few seconds of traffic. */
export const TEST_RUN: ChaosOptions = {
  ...FULL_RUN,
  plan: { ...FULL_RUN.plan, commands: 300, users: 10, duplicateRate: 0.2, reusedKeyRate: 0.05, ghostRate: 0.02, invalidRate: 0.02 },
  workers: 2,
  kills: 1,
  ddbRestarts: 1,
  ddbOutageMs: 1_500,
  publishPerSecond: 50,
  // No backoff tail: the few commands that failed several times would otherwise wait 8–30 s to come back.
  retryBaseSeconds: 0,
  drainTimeoutMs: 60_000,
};
