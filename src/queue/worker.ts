import type { Message } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { withAbortableReceive } from './abortable-receive.js';
import { createBatchHandler, type BatchDeps, type WorkerHooks } from './batch-handler.js';
import { changeVisibility } from './visibility.js';

export interface Worker {
  /** Stops polling, finishes every message in flight, then resolves. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  hooks?: WorkerHooks;
  /** Overrides config.worker.pollers. */
  pollers?: number;
}

/**
 * Starts `pollers` sqs-consumer instances on the command queue, sharing one
 * batch handler (so one user's commands stay serial inside this process).
 */
export function startWorker(deps: BatchDeps, options: WorkerOptions = {}): Worker {
  const { config, logger, sqs, queueUrls } = deps;
  const handleBatch = createBatchHandler(deps, options.hooks);
  const inFlight = new Set<Promise<unknown>>();
  const endLongPolls = new AbortController();
  const consumerSqs = withAbortableReceive(sqs, endLongPolls.signal);
  let stopping = false;

  async function handleOrRelease(messages: Message[]): Promise<Message[]> {
    if (stopping) {
      // Received by the last poll after stop(): hand them straight back to other workers.
      await changeVisibility(sqs, queueUrls.command, messages, 0).catch((err: unknown) => logger.warn({ err }, 'could not release messages received while stopping'));
      return [];
    }
    const work = handleBatch(messages);
    inFlight.add(work);
    try {
      return await work;
    } finally {
      inFlight.delete(work);
    }
  }

  const pollers = options.pollers ?? config.worker.pollers;
  const consumers = Array.from({ length: pollers }, () => {
    const consumer = Consumer.create({
      queueUrl: queueUrls.command,
      sqs: consumerSqs,
      useQueueUrlAsEndpoint: config.endpoints.sqs === undefined,
      batchSize: config.worker.batchSize,
      visibilityTimeout: config.worker.visibilityTimeoutSeconds,
      waitTimeSeconds: config.worker.waitTimeSeconds,
      // SenderId: for the optional sender allowlist (sender-allowlist.ts).
      messageSystemAttributeNames: ['ApproximateReceiveCount', 'SenderId'],
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
  logger.info({ queueUrl: queueUrls.command, pollers, batchSize: config.worker.batchSize }, 'worker started');

  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      // A message SQS had already handed to an aborted poll stays invisible until its
      // visibility timeout, then is delivered again: delayed, never lost.
      endLongPolls.abort();
      await Promise.all(
        consumers.map(async (consumer) => {
          // Not events.once: it rejects on the 'error' the aborted long poll emits, which
          // would end stop() before the batches in flight have finished.
          const stopped = new Promise<void>((resolve) => consumer.once('stopped', () => resolve()));
          consumer.stop({ abort: false });
          await stopped;
        }),
      );
      await Promise.allSettled([...inFlight]);
      logger.info('worker stopped');
    },
  };
}
