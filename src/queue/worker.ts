import type { Message } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Consumer } from 'sqs-consumer';
import { LedgerEngine } from '../ledger/engine.js';
import { StoreCircuit } from '../ledger/store-circuit.js';
import { noopTelemetry } from '../observability/telemetry.js';
import { withAbortableReceive } from './abortable-receive.js';
import { createBatchHandler, type BatchDeps, type WorkerHooks } from './batch-handler.js';
import { InFlightMessages } from './in-flight.js';
import { Intake } from './intake.js';
import { changeVisibility } from './visibility.js';

export interface Worker {
  /** Stops polling, finishes every message in flight (or, while the store is down, hands it back), then resolves. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  hooks?: WorkerHooks;
  /** Overrides config.worker.pollers. */
  pollers?: number;
}

/** A key no user has: the probe only asks whether DynamoDB answers a read of the Users table. */
const PROBE_KEY = { userId: '#wallet-store-probe' };

/**
 * Starts `pollers` sqs-consumer instances on the command queue. Their
 * batches all feed one ledger engine, which decides the commands together
 * (group commit) and keeps one user's commands in arrival order. A poller
 * polls again as soon as its batch is with the engine, while at most
 * pollers × batch size messages wait for a decision (intake.ts). While the
 * store is down the engine holds the commands and the pollers wait, so
 * nothing new is received; a heartbeat keeps held messages invisible.
 */
export function startWorker(deps: BatchDeps, options: WorkerOptions = {}): Worker {
  const { config, logger, sqs, ddb, queueUrls } = deps;
  const telemetry = deps.telemetry ?? noopTelemetry();
  let stopping = false;
  const circuit = new StoreCircuit(
    () => ddb.send(new GetCommand({ TableName: config.tables.users, Key: PROBE_KEY })),
    logger,
    undefined,
    (state) => {
      if (!stopping) telemetry.pollPaused(state === 'open' ? 'paused' : 'polling');
    },
  );
  const engine = new LedgerEngine({
    ddb,
    config,
    logger,
    circuit,
    onCommit: (commands) => telemetry.groupCommitted(commands),
    onConflictRetry: () => telemetry.conflictRetry(),
  });
  const heldMessages = new InFlightMessages(sqs, queueUrls.command, config.worker.visibilityTimeoutSeconds, logger);
  const handleBatch = createBatchHandler(deps, engine, heldMessages, options.hooks);
  const inFlight = new Set<Promise<unknown>>();
  const endLongPolls = new AbortController();
  const pollers = options.pollers ?? config.worker.pollers;
  const { batchSize } = config.worker;
  // Undecided: what the pollers held when each waited for its batch to finish; held at all: twice that.
  const intake = new Intake(batchSize, pollers * batchSize, 2 * pollers * batchSize);
  const consumerSqs = withAbortableReceive(sqs, endLongPolls.signal, (signal) => intake.admit(signal));

  /** Hands a batch to the engine and returns at once, so the poller polls again; replies and deletes finish in the background. */
  async function handleOrRelease(messages: Message[]): Promise<Message[]> {
    if (stopping) {
      // Received by the last poll after stop(): hand them straight back to other workers.
      await changeVisibility(sqs, queueUrls.command, messages, 0).catch((err: unknown) =>
        logger.warn({ err }, 'could not release messages received while stopping'),
      );
      intake.decided(messages.length);
      intake.finished(messages.length);
      return [];
    }
    let decided = false;
    const onDecided = () => {
      if (decided) return;
      decided = true;
      intake.decided(messages.length);
    };
    const work: Promise<void> = handleBatch(messages, onDecided)
      .catch((err: unknown) => logger.error({ err }, 'batch processing error'))
      .finally(() => {
        onDecided();
        intake.finished(messages.length);
        inFlight.delete(work);
      });
    inFlight.add(work);
    // Nothing for sqs-consumer to delete: the batch handler deletes what it finished.
    return [];
  }

  const consumers = Array.from({ length: pollers }, () => {
    const consumer = Consumer.create({
      queueUrl: queueUrls.command,
      sqs: consumerSqs,
      useQueueUrlAsEndpoint: config.endpoints.sqs === undefined,
      batchSize: config.worker.batchSize,
      visibilityTimeout: config.worker.visibilityTimeoutSeconds,
      waitTimeSeconds: config.worker.waitTimeSeconds,
      // SenderId: for the optional sender allowlist (sender-allowlist.ts).
      messageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp', 'MessageGroupId', 'SenderId'],
      // All of them: a poison message goes to the DLQ with the attributes it came with.
      messageAttributeNames: ['All'],
      // Stop waits for the last long poll and the batch it returns.
      pollingCompleteWaitTimeMs: (config.worker.waitTimeSeconds + config.worker.visibilityTimeoutSeconds + 5) * 1000,
      strictReturn: true,
      suppressFifoWarning: true,
      handleMessageBatch: handleOrRelease,
    });
    consumer.on('error', (err) => {
      if (!(stopping && endLongPolls.signal.aborted)) logger.error({ err }, 'SQS error');
    });
    consumer.on('processing_error', (err) => logger.error({ err }, 'batch processing error'));
    consumer.start();
    return consumer;
  });
  telemetry.pollPaused('polling');
  logger.info(
    { queueUrl: queueUrls.command, pollers, batchSize: config.worker.batchSize, groupCommit: config.groupCommit },
    'worker started',
  );

  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      telemetry.pollPaused('stopped');
      // A message SQS had already handed to an aborted poll stays invisible until its
      // visibility timeout, then is delivered again: delayed, never lost.
      endLongPolls.abort();
      await Promise.all([
        ...consumers.map(async (consumer) => {
          // Not events.once: it rejects on the 'error' the aborted long poll emits, which
          // would end stop() before the batches in flight have finished.
          const stopped = new Promise<void>((resolve) => consumer.once('stopped', () => resolve()));
          consumer.stop({ abort: false });
          await stopped;
        }),
        // Finishes what the engine holds while the store answers; releases it while it does not.
        engine.stop(),
      ]);
      await Promise.allSettled([...inFlight]);
      heldMessages.stop();
      logger.info('worker stopped');
    },
  };
}
