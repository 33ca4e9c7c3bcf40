import type { Logger } from 'pino';
import type { Distribution, WalletMix } from './commands.js';
import { runCeiling } from './direct-phase.js';
import type { DirectRun } from './direct-apply.js';
import { runEndToEnd, type EndToEndOptions, type EndToEndRun } from './end-to-end.js';
import { runEngineDirect, runLargestGroup } from './engine-direct.js';
import { pacedCommands } from './options.js';
import type { BenchStack } from './stack.js';

/** The share of a saturated rate the open-loop runs offer ("~70% of the max rate"). */
export const PACED_SHARE = 0.7;

export interface ScenarioSpec {
  name: string;
  users: number;
  distribution: Distribution;
  /** Commands of the grouped saturated run. */
  commands: number;
  /** Commands of the grouping-off saturated run; 0 skips the grouping-off runs. */
  offCommands: number;
  ceilingCommands: number;
  /** One write per user at a time, so a hot user's ceiling is concurrency 1. */
  ceilingConcurrency: number;
  pacedSeconds: number;
  /** Also the one-transaction design at 70% of its own max, and the grouped engine at that same offered load. */
  compareAtSameLoad: boolean;
  /** Messages the workers hold (workers × pollers × 10): what the engine-only run keeps in flight. */
  engineInFlight: number;
  /** One user: also time its largest transactions back to back (the per-user bound of grouping); 0 = skip. */
  largestGroupTransactions: number;
  /** Records per largest transaction (WALLET_GROUP_MAX_ACTIONS - 1: the rest is the user's Update). */
  largestGroupSize: number;
  /** DynamoDB endpoint of the workers and the ceiling (a latency proxy); absent = DynamoDB Local directly. */
  dynamodbEndpoint?: string;
  /** Wallet commands mixed into its end-to-end runs (opened users, freeze/unfreeze pairs); absent = credits and debits only. */
  walletMix?: WalletMix;
}

export interface ScenarioResult {
  spec: Omit<ScenarioSpec, 'dynamodbEndpoint'>;
  ceiling: { before: DirectRun; after: DirectRun; tps: number };
  /** The group-commit engine without the queue: the database side's bound for the grouped design. */
  engine: DirectRun;
  /** The largest group's transactions for one user, back to back: the hot user's bound under grouping. */
  largestGroup?: DirectRun;
  grouped: EndToEndRun;
  /** Grouped, open loop at 70% of `grouped.tps`. */
  groupedPaced: EndToEndRun;
  off?: EndToEndRun;
  /** Grouping off, open loop at 70% of `off.tps`. */
  offPaced?: EndToEndRun;
  /** Grouped, open loop at the rate of `offPaced`: both designs at the same offered load. */
  groupedAtOffLoad?: EndToEndRun;
}

/**
 * One workload, each figure next to its own ceiling: the one-transaction-
 * per-command rate right before and right after the grouped saturated run
 * (their mean is the ceiling, so load that other users of the machine add or
 * remove cancels out), then the open-loop runs at ~70% and the grouping-off
 * runs for comparison.
 */
export async function runScenario(stack: BenchStack, logger: Logger, spec: ScenarioSpec, base: EndToEndOptions): Promise<ScenarioResult> {
  const proxied = spec.dynamodbEndpoint ? { AWS_ENDPOINT_URL_DYNAMODB: spec.dynamodbEndpoint } : undefined;
  const slug = spec.name.replace(/[^A-Za-z0-9]+/g, '-');
  const ceilingRun = {
    users: spec.users,
    commands: spec.ceilingCommands,
    concurrency: spec.ceilingConcurrency,
    distribution: spec.distribution,
    label: `${slug} ceiling`,
    ...(proxied && { env: proxied }),
  };
  const e2e = (label: string, groupCommit: boolean, commands: number, rate?: number) =>
    runEndToEnd(stack, logger, {
      ...base,
      label: `${slug}-${label}`,
      users: spec.users,
      distribution: spec.distribution,
      commands,
      tuning: { ...base.tuning, WALLET_GROUP_COMMIT: String(groupCommit) },
      ...(rate !== undefined && { rate }),
      ...(proxied && { workerEnv: proxied }),
      ...(spec.walletMix && { walletMix: spec.walletMix }),
    });

  const before = await runCeiling(stack, logger, ceilingRun);
  const grouped = await e2e('grouped', true, spec.commands);
  const after = await runCeiling(stack, logger, ceilingRun);
  const engine = await runEngineDirect(stack, logger, {
    users: spec.users,
    commands: spec.commands,
    distribution: spec.distribution,
    inFlight: spec.engineInFlight,
    label: `${slug} engine`,
    warmupCommands: base.warmupCommands ?? 0,
    ...(proxied && { env: proxied }),
    ...(spec.walletMix && { walletMix: spec.walletMix }),
  });
  const largestGroup =
    spec.largestGroupTransactions > 0
      ? await runLargestGroup(stack, logger, {
          transactions: spec.largestGroupTransactions,
          groupSize: spec.largestGroupSize,
          label: `${slug} largest group`,
          ...(proxied && { env: proxied }),
        })
      : undefined;
  const pacedRate = PACED_SHARE * grouped.tps;
  const groupedPaced = await e2e('grouped-70', true, pacedCommands(pacedRate, spec.pacedSeconds), pacedRate);
  const { dynamodbEndpoint: _endpoint, ...shown } = spec;
  const result: ScenarioResult = {
    spec: shown,
    ceiling: { before, after, tps: (before.tps + after.tps) / 2 },
    engine,
    ...(largestGroup && { largestGroup }),
    grouped,
    groupedPaced,
  };
  if (spec.offCommands > 0) {
    result.off = await e2e('off', false, spec.offCommands);
    if (spec.compareAtSameLoad) {
      const offRate = PACED_SHARE * result.off.tps;
      result.offPaced = await e2e('off-70', false, pacedCommands(offRate, spec.pacedSeconds), offRate);
      result.groupedAtOffLoad = await e2e('grouped-at-off-70', true, pacedCommands(offRate, spec.pacedSeconds), offRate);
    }
  }
  return result;
}
