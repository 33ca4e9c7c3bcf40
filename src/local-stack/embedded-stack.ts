import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { urlHostFor } from '../net/ports.js';
import { startSqsEmulator } from './sqs-emulator.js';

export interface EmbeddedStack {
  endpoints: { sqs: string; dynamodb: string };
  dynamodbPid: number;
  stop(): Promise<void>;
}

/** fauxqs in-process plus a DynamoDB Local child JVM; stop() (or this process exiting) ends both. */
export async function startEmbeddedStack(config: Config, logger: Logger): Promise<EmbeddedStack> {
  const { embedded } = config;
  const sqs = await startSqsEmulator({ port: embedded.sqsPort, region: config.region, bindHost: embedded.bindHost });
  try {
    const dynamodb = await startDynamoDbLocal({
      port: embedded.dynamodbPort,
      heapMb: embedded.dynamodbHeapMb,
      bindHost: embedded.bindHost,
      logger,
      ...(embedded.dynamodbDataDir && { dataDir: embedded.dynamodbDataDir }),
    });
    logger.debug({ sqs: sqs.endpoint, dynamodb: dynamodb.endpoint }, 'embedded stack started');
    return {
      endpoints: { sqs: sqs.endpoint, dynamodb: dynamodb.endpoint },
      dynamodbPid: dynamodb.pid,
      async stop() {
        await Promise.allSettled([dynamodb.stop(), sqs.stop()]);
        logger.debug('embedded stack stopped');
      },
    };
  } catch (error) {
    await sqs.stop();
    throw error;
  }
}

/**
 * The endpoints of an embedded stack that another process (`npm start`)
 * already runs on the configured ports, so command-line tools can share it.
 */
export async function findRunningEmbeddedStack(config: Config): Promise<{ sqs: string; dynamodb: string } | undefined> {
  const host = urlHostFor(config.embedded.bindHost);
  const sqs = `http://${host}:${config.embedded.sqsPort}`;
  const dynamodb = `http://${host}:${config.embedded.dynamodbPort}`;
  const answers = async (url: string, expectOk: boolean) => {
    try {
      // Nothing listening is refused at once; a busy JVM may take a while to answer, so wait for it.
      const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      return !expectOk || response.ok;
    } catch {
      return false;
    }
  };
  const [sqsUp, dynamodbUp] = await Promise.all([answers(`${sqs}/health`, true), answers(dynamodb, false)]);
  return sqsUp && dynamodbUp ? { sqs, dynamodb } : undefined;
}
