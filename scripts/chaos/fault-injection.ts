import { setTimeout as sleep } from 'node:timers/promises';
import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RequestThrottled, type SQSClient } from '@aws-sdk/client-sqs';
import { pick, type Random } from '../support/random.js';

/** Fractions of the worker's DynamoDB calls that fail, and how. */
export interface FaultRates {
  /** Fail before the call is sent: nothing happened in DynamoDB. */
  before: number;
  /** Let the call succeed, then drop the response: the write is committed but the caller sees an error. */
  after: number;
  /** Hold the call back for `stallMs` first, long enough for the message's visibility timeout to expire. */
  stall: number;
  stallMs: number;
}

export type FaultKind = 'before' | 'after' | 'stall' | 'sqs-before' | 'sqs-after';

/** The calls the apply step makes; faults on other calls would only test the SDK. */
const TARGETED = new Set(['TransactWriteItemsCommand', 'BatchGetItemCommand', 'GetItemCommand']);

/**
 * Adds a middleware at the top of the DynamoDB client's stack (above the
 * SDK's own retries, so the worker sees every injected error) that throws
 * errors built from the SDK's real exception classes, exactly as a throttled,
 * conflicting or half-failed call would surface.
 */
export function injectDynamoDbFaults(
  ddb: DynamoDBDocumentClient,
  rates: FaultRates,
  random: Random,
  onFault: (kind: FaultKind, command: string) => void,
): void {
  // Group commit leaves few transactions (a 300-command run can make under 50), too few for 3–5% to
  // hit both paths every run: a worker's first transaction fails before it is sent, its second after
  // it committed, whatever the dice say. Only when those faults are asked for at all.
  let transactions = 0;
  ddb.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      if (!TARGETED.has(command)) return next(args);
      const transaction = command === 'TransactWriteItemsCommand' ? ++transactions : 0;
      if (random() < rates.stall) {
        onFault('stall', command);
        await sleep(rates.stallMs);
      }
      if ((transaction === 1 && rates.before > 0) || random() < rates.before) {
        onFault('before', command);
        throw errorBeforeSend(command, random);
      }
      const result = await next(args);
      if ((transaction === 2 && rates.after > 0) || random() < rates.after) {
        onFault('after', command);
        throw errorAfterSuccess(command, random);
      }
      return result;
    },
    { step: 'initialize', name: 'chaosFaultInjection', priority: 'high' },
  );
}

/** The worker's SQS writes: publishing replies, deleting done messages, delaying failed ones. */
const TARGETED_SQS = new Set(['SendMessageBatchCommand', 'DeleteMessageBatchCommand', 'ChangeMessageVisibilityBatchCommand']);

/**
 * Fails a fraction of the worker's SQS writes, half before they are sent and
 * half after they took effect (a reply published, or a message deleted, that
 * the worker believes failed).
 */
export function injectSqsFaults(sqs: SQSClient, rate: number, random: Random, onFault: (kind: FaultKind, command: string) => void): void {
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      if (!TARGETED_SQS.has(command) || random() >= rate) return next(args);
      const throttled = () => new RequestThrottled({ $metadata: { httpStatusCode: 400 }, message: 'Request is throttled (injected)' });
      if (random() < 0.5) {
        onFault('sqs-before', command);
        throw throttled();
      }
      await next(args);
      onFault('sqs-after', command);
      throw Object.assign(new Error('socket hang up (injected)'), { name: 'TimeoutError', code: 'ECONNRESET' });
    },
    { step: 'initialize', name: 'chaosSqsFaultInjection', priority: 'high' },
  );
}

/** Counts every message SQS hands this worker (the harness's "deliveries"). */
export function countDeliveries(sqs: SQSClient, onDelivered: (count: number) => void): void {
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'ReceiveMessageCommand') {
        const output = result.output as { Messages?: unknown[] };
        if (output.Messages && output.Messages.length > 0) onDelivered(output.Messages.length);
      }
      return result;
    },
    { step: 'initialize', name: 'chaosDeliveryCounter', priority: 'high' },
  );
}

const metadata = { $metadata: { httpStatusCode: 400 } };

function transactionConflict(): TransactionCanceledException {
  return new TransactionCanceledException({
    ...metadata,
    message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict] (injected)',
    CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }],
  });
}

function throttled(random: Random): Error {
  return pick(random, [
    () =>
      new ProvisionedThroughputExceededException({
        ...metadata,
        message: 'The level of configured provisioned throughput for the table was exceeded (injected)',
      }),
    () => new ThrottlingException({ ...metadata, message: 'Rate of requests exceeds the allowed throughput (injected)' }),
  ])();
}

function errorBeforeSend(command: string, random: Random): Error {
  return command === 'TransactWriteItemsCommand' && random() < 0.5 ? transactionConflict() : throttled(random);
}

/**
 * After a commit the worker can only be told "it failed": a conflict report
 * (retried at once on a re-read), a 500, or a dropped connection.
 */
function errorAfterSuccess(command: string, random: Random): Error {
  if (command !== 'TransactWriteItemsCommand') return throttled(random);
  return pick(random, [
    transactionConflict,
    () => new InternalServerError({ $metadata: { httpStatusCode: 500 }, message: 'Internal server error (injected)' }),
    () => Object.assign(new Error('socket hang up (injected)'), { name: 'TimeoutError', code: 'ECONNRESET' }),
  ])();
}

export interface ThrottleBursts {
  /** The hot wallet: only transactions that write it are throttled. */
  userId: string;
  usersTable: string;
  /** Throttled for onMs, then not for offMs, over and over from the start. */
  onMs: number;
  offMs: number;
}

/**
 * Throttles every transaction that writes the hot user during bursts, as
 * DynamoDB does when that item's partition is hot: most as a cancellation
 * with ThrottlingError on the user's action (None on the others), some as a
 * request-level ThrottlingException. The worker must ride both out (SPEC
 * rule 10) without spending any command's retries.
 */
export function injectThrottleBursts(
  ddb: DynamoDBDocumentClient,
  bursts: ThrottleBursts,
  random: Random,
  onFault: (kind: string, command: string) => void,
): void {
  const startedAt = Date.now();
  const throttling = () => (Date.now() - startedAt) % (bursts.onMs + bursts.offMs) < bursts.onMs;
  ddb.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand' || !throttling()) return next(args);
      const actions = ((args as { input: { TransactItems?: Record<string, unknown>[] } }).input.TransactItems ?? []) as Record<
        string,
        { TableName?: string; Key?: { userId?: string } }
      >[];
      const hot = actions.findIndex((action) => {
        const body = action.Update ?? action.ConditionCheck;
        return body?.TableName === bursts.usersTable && body.Key?.userId === bursts.userId;
      });
      if (hot < 0) return next(args);
      onFault('throttle', 'TransactWriteItemsCommand');
      if (random() < 0.2)
        throw new ThrottlingException({ ...metadata, message: 'Rate of requests exceeds the allowed throughput (injected burst)' });
      throw new TransactionCanceledException({
        ...metadata,
        message: 'Transaction cancelled, please refer cancellation reasons for specific reasons (injected burst)',
        CancellationReasons: actions.map((_, index) =>
          index === hot
            ? { Code: 'ThrottlingError', Message: 'Throughput exceeds the current capacity of your table or index (injected)' }
            : { Code: 'None' },
        ),
      });
    },
    { step: 'initialize', name: 'chaosThrottleBursts', priority: 'high' },
  );
}
