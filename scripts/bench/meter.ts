import { performance } from 'node:perf_hooks';
import type { AwsClients } from '../../src/clients.js';
import { addTransactWrite, emptyTransactWrites, transactWriteUnits, type TransactWrites } from './capacity.js';

/**
 * Counts what a worker asks of DynamoDB and SQS, from inside its own AWS
 * clients. DynamoDB: a middleware in the deserialize step sees every HTTP
 * attempt (the SDK's retries included), with the marshalled input, so the
 * counts are requests actually sent, and each TransactWriteItems is sized
 * from the items it carries. SQS: a middleware in the initialize step, which
 * the lean path's calls (net/lean-sqs-client.ts) run too, counts calls (a
 * lean attempt sent again by the SDK fallback counts once).
 */
export interface ClientMeter {
  /** Requests sent, by operation (DynamoDB: every attempt; SQS: every call). */
  requests: Record<string, number>;
  /** Requests answered with an error, by error name (e.g. TransactionCanceledException). */
  errors: Record<string, number>;
  /**
   * Wall time with at least one request of the operation in flight, in ms:
   * how much of a run DynamoDB was actually writing, so time it sat idle
   * while the worker did its queue work shows.
   */
  busyMs: Record<string, number>;
}

export interface WorkerMeters {
  ddb: ClientMeter;
  sqs: ClientMeter;
  writes: TransactWrites;
}

export function emptyMeters(): WorkerMeters {
  return { ddb: { requests: {}, errors: {}, busyMs: {} }, sqs: { requests: {}, errors: {}, busyMs: {} }, writes: emptyTransactWrites() };
}

/** The one overload of the SDK's middlewareStack.add this file uses (its full type is a union of every step's). */
interface Meterable {
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input: unknown }) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: { input: unknown }) => Promise<unknown>,
      options: { step: MeterStep; priority: 'high'; name: string },
    ): void;
  };
}

type MeterStep = 'initialize' | 'deserialize';

/** `meter` is read on every request, so a caller can swap in a fresh one between runs on the same client. */
export function meterClient(
  client: Meterable,
  step: MeterStep,
  meter: () => ClientMeter,
  onRequest?: (operation: string, input: unknown) => void,
): void {
  const inFlight = new Map<string, number>();
  const busySince = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const counts = meter();
      const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
      counts.requests[operation] = (counts.requests[operation] ?? 0) + 1;
      onRequest?.(operation, args.input);
      const running = inFlight.get(operation) ?? 0;
      if (running === 0) busySince.set(operation, performance.now());
      inFlight.set(operation, running + 1);
      try {
        return await next(args);
      } catch (error) {
        const name = error instanceof Error ? error.name : 'unknown';
        counts.errors[name] = (counts.errors[name] ?? 0) + 1;
        throw error;
      } finally {
        const left = (inFlight.get(operation) ?? 1) - 1;
        inFlight.set(operation, left);
        if (left === 0) {
          // Read the meter again: a reset during the request counts its busy time from the reset on.
          const now = meter();
          now.busyMs[operation] = (now.busyMs[operation] ?? 0) + (performance.now() - (busySince.get(operation) ?? performance.now()));
        }
      }
    },
    { step, priority: 'high', name: 'benchMeter' },
  );
}

/** Meters both clients of a wallet into `meters()` (read per request); TransactWriteItems inputs are sized into its `writes`. */
export function meterWallet(clients: AwsClients, meters: WorkerMeters | (() => WorkerMeters)): void {
  const current = typeof meters === 'function' ? meters : () => meters;
  meterClient(
    clients.ddb as unknown as Meterable,
    'deserialize',
    () => current().ddb,
    (operation, input) => {
      if (operation !== 'TransactWriteItems') return;
      const actions = (input as { TransactItems?: Record<string, unknown>[] }).TransactItems ?? [];
      addTransactWrite(current().writes, actions);
    },
  );
  meterClient(clients.sqs as unknown as Meterable, 'initialize', () => current().sqs);
}

/** Sum of a meter's requests. */
export function totalRequests(meter: ClientMeter): number {
  return Object.values(meter.requests).reduce((sum, count) => sum + count, 0);
}

/** Adds several workers' meters into one. */
export function mergeMeters(all: readonly WorkerMeters[]): WorkerMeters {
  const merged = emptyMeters();
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [key, count] of Object.entries(from)) into[key] = (into[key] ?? 0) + count;
  };
  for (const meters of all) {
    add(merged.ddb.requests, meters.ddb.requests);
    add(merged.ddb.errors, meters.ddb.errors);
    add(merged.sqs.requests, meters.sqs.requests);
    add(merged.sqs.errors, meters.sqs.errors);
    add(merged.ddb.busyMs, meters.ddb.busyMs);
    add(merged.sqs.busyMs, meters.sqs.busyMs);
    const { writes } = merged;
    writes.transactions += meters.writes.transactions;
    writes.puts += meters.writes.puts;
    writes.putBytes += meters.writes.putBytes;
    writes.maxPutBytes = Math.max(writes.maxPutBytes, meters.writes.maxPutBytes);
    writes.putUnits += meters.writes.putUnits;
    writes.userWrites += meters.writes.userWrites;
  }
  return merged;
}

export interface CostsPerCommand {
  /** Every DynamoDB request the worker sent (reads, transactions, retries), per command. */
  ddbRequests: number;
  /** TransactWriteItems per command (cancelled ones included). */
  transactions: number;
  /** Record Puts per TransactWriteItems: the mean group size. */
  commandsPerTransaction: number;
  /** Transactional WCU per command (see capacity.ts). */
  wcu: number;
  sqsRequests: number;
  /** TransactWriteItems cancelled (a condition failed or a conflict). */
  cancelled: number;
}

/** A run's metered requests and writes, per command decided. */
export function costsPerCommand(meters: WorkerMeters, commands: number, userItemBytes: number): CostsPerCommand {
  const per = (value: number) => (commands > 0 ? value / commands : 0);
  const { writes } = meters;
  return {
    ddbRequests: per(totalRequests(meters.ddb)),
    transactions: per(writes.transactions),
    commandsPerTransaction: writes.transactions > 0 ? writes.puts / writes.transactions : 0,
    wcu: per(transactWriteUnits(writes, userItemBytes)),
    sqsRequests: per(totalRequests(meters.sqs)),
    cancelled: meters.ddb.errors.TransactionCanceledException ?? 0,
  };
}
