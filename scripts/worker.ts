import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createOperations, type Operations } from '../src/observability/operations.js';
import { createWallet, type Wallet } from '../src/wallet.js';
import { routeProcessEnd } from './support/process-end.js';
import { describe, parseCommandLine } from './support/run.js';

/**
 * The production entry point (the container's command): only the worker,
 * against the configured stack (WALLET_STACK=aws in the image; `endpoint`
 * for LocalStack or the scale-out test). No seeding and never an embedded
 * stack: a worker that silently started its own emulator would consume
 * nothing and look healthy. SIGTERM/SIGINT stop it gracefully: no new polls,
 * in-flight commands finish, exit 0 (SPEC rule 9). A second signal exits at
 * once; what was in flight is redelivered after its visibility timeout.
 */
parseCommandLine({
  usage: 'npm run worker',
  description: `The worker only (the container's command): needs WALLET_STACK=aws or AWS_ENDPOINT_URL*; no seeding and never
an embedded stack. SIGTERM/SIGINT stop it gracefully (exit 0); a second one exits at once.`,
});
let wallet: Wallet | undefined;
let operations: Operations | undefined;
let stopping = false;

async function stop(code: number, reason: string) {
  if (stopping) {
    wallet?.logger.warn({ reason }, 'second stop request: exiting without waiting');
    process.exit(code || 1);
  }
  stopping = true;
  wallet?.logger.info({ reason }, 'shutting down');
  let exitCode = code;
  await wallet?.close().catch((err: unknown) => {
    wallet?.logger.error({ err }, 'error while shutting down');
    exitCode = 1;
  });
  await operations?.stop().catch(() => undefined);
  process.exit(exitCode);
}

routeProcessEnd(
  (code, reason) => void stop(code, reason),
  () => wallet?.logger,
  ['SIGTERM', 'SIGINT'],
);

try {
  const config = loadConfig();
  if (config.stack === 'embedded') {
    throw new Error('scripts/worker.ts needs WALLET_STACK=aws or an endpoint (AWS_ENDPOINT_URL*); `npm start` runs the embedded stack');
  }
  const logger = createLogger(config.logLevel, 'wallet-worker');
  // Metrics, /healthz and /readyz (WALLET_METRICS_PORT) and EMF lines (WALLET_METRICS_EMF), from the config.
  operations = createOperations(config, logger);
  wallet = await createWallet({ config, logger, telemetry: operations.telemetry });
  wallet.startWorker();
  await operations.start({ ddb: wallet.clients.ddb, config: wallet.config });
  logger.info({ stack: config.stack, queues: wallet.queueUrls, tables: config.tables }, 'worker ready');
} catch (error) {
  process.stderr.write(`${describe(error)}\n`);
  await stop(1, 'start-up failed');
}
