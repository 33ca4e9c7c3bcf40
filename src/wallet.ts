import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { createAwsClients, createReplySqsClient, createStsClient, type AwsClients } from './clients.js';
import { loadConfig, type Config } from './config.js';
import { InvalidRequestError, ReplyWaitCancelledError, StoreUnavailableError } from './errors.js';
import { LedgerEngine } from './ledger/engine.js';
import { replyForOutcome } from './ledger/replies.js';
import { findRunningEmbeddedStack, startEmbeddedStack, type EmbeddedStack } from './local-stack/embedded-stack.js';
import { createLogger } from './logger.js';
import { parseCommand } from './messages/command.js';
import type { Telemetry } from './observability/telemetry.js';
import type { Reply } from './messages/reply.js';
import { getCurrentBalance, type Balance } from './query/balance.js';
import { listTransactions, type HistoryPage } from './query/history.js';
import { getBalanceAt } from './query/balance-at.js';
import { getStatement, streamStatement, type StatementEvent } from './query/statement.js';
import type { BalanceAt, Statement, StatementPeriod, StatementRequest } from './query/statement-schemas.js';
import { publishCommand, validateCommand } from './queue/command-publisher.js';
import { startOwnReplyListener } from './queue/own-reply-listener.js';
import type { ReplyListener } from './queue/reply-listener.js';
import { startWorker, type Worker, type WorkerOptions } from './queue/worker.js';
import type { QueueUrls } from './resources/definitions.js';
import { ensureQueues, ensureTables, lookUpQueues } from './resources/provision.js';

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
  /** What the worker records metrics and traces into (src/observability/operations.ts builds it from the config). */
  telemetry?: Telemetry;
}

export interface PublishOptions {
  /** Wait for the worker's reply (needs a running worker); otherwise resolve once enqueued. */
  waitForReply?: boolean;
  timeoutMs?: number;
  /** Ends the wait early (ReplyWaitCancelledError), e.g. when the HTTP client that asked went away. */
  signal?: AbortSignal;
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
  /** The balance as it stood at instant `at` (ISO 8601); BeforeWalletOpenedError before the wallet existed. */
  getBalanceAt(query: { userId: string; at: string }): Promise<BalanceAt>;
  /** One page of the statement of [from, to): the period's figures and up to `limit` entries after `cursor`. */
  getStatement(query: StatementRequest): Promise<Statement>;
  /** The whole statement of [from, to) as a stream (opening, each entry, closing), read a page at a time. */
  streamStatement(query: StatementPeriod): AsyncGenerator<StatementEvent>;
  publishTransaction(command: unknown, options?: PublishOptions): Promise<{ idempotentKey: string; messageId: string; reply?: Reply }>;
  startWorker(options?: WorkerOptions): Worker;
  /** Stops workers started here and the reply listener (deleting its queue), closes the clients and, if it started one, the embedded stack. */
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

  const deps = {
    sqs: clients.sqs,
    ddb: clients.ddb,
    logger,
    config,
    queueUrls,
    ...(options.telemetry && { telemetry: options.telemetry }),
  };
  const workers = new Set<Worker>();
  // The direct API decides through the same engine as the worker; without a circuit an outage fails at once.
  const directEngine = new LedgerEngine({ ddb: clients.ddb, config, logger });
  // One reply listener per wallet, started on the first wait, on a client (and sockets) of its own.
  let replyClient: SQSClient | undefined;
  let listener: Promise<ReplyListener> | undefined;
  function startListener(): Promise<ReplyListener> {
    replyClient ??= createReplySqsClient(config);
    const sqs = replyClient;
    // Who this process is: its reply queue's access policy names it (reply-queue-policy.ts).
    const sts = createStsClient(config);
    const starting = startOwnReplyListener({ sqs, sts, config, logger }).finally(() => sts.destroy());
    starting.catch(() => {
      if (listener === starting) listener = undefined; // the next wait tries again
    });
    return starting;
  }
  let closed = false;
  async function replyListener(): Promise<ReplyListener> {
    for (;;) {
      if (closed) throw new ReplyWaitCancelledError('the wallet is closed');
      // Assigned synchronously, so concurrent first waits share one listener.
      listener ??= startListener();
      const current = listener;
      const started = await current;
      if (!started.lost) return started;
      if (listener === current) {
        listener = undefined;
        void started.stop();
      }
    }
  }

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
      const [result] = await directEngine.submit([parsed.command]);
      if (result?.kind === 'decided') return replyForOutcome(result.outcome, config.defaultCurrency);
      if (result?.kind === 'failed' || result?.kind === 'poison') throw result.error;
      throw new StoreUnavailableError('the wallet is closing');
    },
    getCurrentBalance: (query) => getCurrentBalance(deps, query),
    listTransactions: (query) => listTransactions(deps, query),
    getBalanceAt: (query) => getBalanceAt(deps, query),
    getStatement: (query) => getStatement(deps, query),
    streamStatement: (query) => streamStatement(deps, query),
    async publishTransaction(input, publishOptions = {}) {
      if (!publishOptions.waitForReply) {
        const { command, messageId } = await publishCommand(clients.sqs, queueUrls.command, input);
        return { idempotentKey: command.idempotentKey, messageId };
      }
      validateCommand(input);
      const replies = await replyListener();
      // Nobody to answer any more (the HTTP client left while the listener started): send nothing.
      if (publishOptions.signal?.aborted) throw new ReplyWaitCancelledError('the wait was cancelled before the command was sent');
      // Random per publish: the reply is matched on it, never on the key (two producers may share a key).
      const correlationId = randomUUID();
      const pending = replies.expect(correlationId, {
        timeoutMs: publishOptions.timeoutMs ?? 30_000,
        ...(publishOptions.signal && { signal: publishOptions.signal }),
      });
      try {
        const { command, messageId } = await publishCommand(clients.sqs, queueUrls.command, input, {
          replyTo: replies.queueUrl,
          correlationId,
        });
        return { idempotentKey: command.idempotentKey, messageId, reply: await pending.reply };
      } finally {
        pending.cancel();
      }
    },
    startWorker(workerOptions) {
      const worker = startWorker(deps, workerOptions);
      workers.add(worker);
      return worker;
    },
    async close() {
      closed = true;
      await Promise.all([...workers].map((worker) => worker.stop()));
      await directEngine.stop();
      const replies = await listener?.catch(() => undefined);
      await replies?.stop();
      replyClient?.destroy();
      clients.destroy();
      await stack?.stop();
    },
  };
}
