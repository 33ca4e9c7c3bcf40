import type { Logger } from 'pino';
import { createAwsClients, type AwsClients } from './clients.js';
import { loadConfig, type Config } from './config.js';
import { InvalidRequestError } from './errors.js';
import { applyCommand } from './ledger/apply-command.js';
import { replyForOutcome } from './ledger/replies.js';
import { findRunningEmbeddedStack, startEmbeddedStack, type EmbeddedStack } from './local-stack/embedded-stack.js';
import { createLogger } from './logger.js';
import { parseCommand } from './messages/command.js';
import type { Reply } from './messages/reply.js';
import { getCurrentBalance, type Balance } from './query/balance.js';
import { listTransactions, type HistoryPage } from './query/history.js';
import { publishCommand, waitForReply } from './queue/command-publisher.js';
import { startWorker, type Worker, type WorkerOptions } from './queue/worker.js';
import { ensureQueues, ensureTables, lookUpQueues, type QueueUrls } from './resources/provision.js';

export interface WalletOptions {
  /** Parsed configuration; read from `env` (default process.env) when absent. */
  config?: Config;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /**
   * With the embedded stack: use one already running on the configured ports
   * (started by `npm start`) rather than start another (default true). Such a
   * wallet does not own that stack: it ends when that `npm start` does.
   * `false` always starts one (PortInUseError when the ports are taken).
   */
  shareRunningStack?: boolean;
}

export interface PublishOptions {
  /** Wait for the worker's reply (needs a running worker); otherwise resolve once enqueued. */
  waitForReply?: boolean;
  timeoutMs?: number;
}

export interface Wallet {
  /** The configuration in force, with the endpoints actually used (the embedded stack's included). */
  config: Config;
  logger: Logger;
  clients: AwsClients;
  queueUrls: QueueUrls;
  /** True when this wallet started the embedded stack itself (no other process is serving it). */
  startedEmbeddedStack: boolean;
  /** Process id of the DynamoDB Local JVM this wallet started, if any. */
  dynamodbLocalPid?: number;
  /** Applies a command directly (no queue) and returns what its reply would be. */
  transact(command: unknown): Promise<Reply>;
  getCurrentBalance(query: { userId: string }): Promise<Balance>;
  listTransactions(query: { userId: string; limit?: number; cursor?: string }): Promise<HistoryPage>;
  publishTransaction(command: unknown, options?: PublishOptions): Promise<{ idempotentKey: string; messageId: string; reply?: Reply }>;
  startWorker(options?: WorkerOptions): Worker;
  /** Stops workers started here, closes the clients and, if it started one, the embedded stack. */
  close(): Promise<void>;
}

/**
 * Connects to the configured stack (with no endpoint configured: the embedded
 * one a running `npm start` serves, else one started here), makes sure queues and tables exist where that is
 * ours to do, and returns the service's whole API.
 */
export async function createWallet(options: WalletOptions = {}): Promise<Wallet> {
  const baseConfig = options.config ?? loadConfig(options.env);
  const logger = options.logger ?? createLogger(baseConfig.logLevel);
  let stack: EmbeddedStack | undefined;
  let config = baseConfig;
  if (baseConfig.stack === 'embedded') {
    const running = (options.shareRunningStack ?? true) ? await findRunningEmbeddedStack(baseConfig) : undefined;
    if (running) {
      logger.debug(running, 'using the embedded stack already running');
    } else {
      stack = await startEmbeddedStack(baseConfig, logger);
    }
    config = { ...baseConfig, endpoints: running ?? stack?.endpoints ?? {} };
  }
  const clients = createAwsClients(config);

  let queueUrls: QueueUrls;
  try {
    if (config.provision) {
      await ensureTables(clients.ddb, config);
      queueUrls = await ensureQueues(clients.sqs, config);
    } else {
      queueUrls = await lookUpQueues(clients.sqs, config);
    }
  } catch (error) {
    clients.destroy();
    await stack?.stop();
    throw error;
  }

  const deps = { sqs: clients.sqs, ddb: clients.ddb, logger, config, queueUrls };
  const workers = new Set<Worker>();

  return {
    config,
    logger,
    clients,
    queueUrls,
    startedEmbeddedStack: stack !== undefined,
    ...(stack && { dynamodbLocalPid: stack.dynamodbPid }),
    async transact(input) {
      const parsed = parseCommand(input);
      if (!parsed.ok) throw new InvalidRequestError('invalid command', parsed.issues);
      return replyForOutcome(await applyCommand(deps, parsed.command));
    },
    getCurrentBalance: (query) => getCurrentBalance(deps, query),
    listTransactions: (query) => listTransactions(deps, query),
    async publishTransaction(input, publishOptions = {}) {
      const { command, messageId } = await publishCommand(clients.sqs, queueUrls.command, input);
      if (!publishOptions.waitForReply) return { idempotentKey: command.idempotentKey, messageId };
      const reply = await waitForReply(clients.sqs, queueUrls.reply, command.idempotentKey, publishOptions.timeoutMs ?? 30_000);
      return { idempotentKey: command.idempotentKey, messageId, reply };
    },
    startWorker(workerOptions) {
      const worker = startWorker(deps, workerOptions);
      workers.add(worker);
      return worker;
    },
    async close() {
      await Promise.all([...workers].map((worker) => worker.stop()));
      clients.destroy();
      await stack?.stop();
    },
  };
}
