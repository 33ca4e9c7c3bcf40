import { buildApi } from '../src/http/build-api.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createWallet, type Wallet } from '../src/wallet.js';
import { routeProcessEnd } from './support/process-end.js';
import { describe } from './support/run.js';

/**
 * `npm run api`: the HTTP gateway on WALLET_API_PORT (default 3000), Swagger UI at /docs.
 * Shares the stack `npm start` runs; when it had to start an embedded stack
 * itself, nobody else runs a worker there, so it runs one (as `npm run publish` does).
 */
let wallet: Wallet | undefined;
let stopping = false;
let closeApi: (() => Promise<void>) | undefined;

async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  await closeApi?.().catch(() => undefined);
  await wallet?.close().catch(() => undefined);
  process.exit(code);
}
routeProcessEnd((code) => void stop(code), () => wallet?.logger);

try {
  const config = loadConfig();
  wallet = await createWallet({ config, shareRunningStack: true, logger: createLogger(config.logLevel, 'wallet', { pretty: process.stdout.isTTY }) });
  if (wallet.startedEmbeddedStack) wallet.startWorker();
  const app = await buildApi({ wallet });
  closeApi = () => app.close();
  const address = await app.listen({ port: config.apiPort, host: '127.0.0.1' });
  process.stdout.write(`wallet API on ${address}  (Swagger UI: ${address}/docs)\n`);
} catch (error) {
  process.stderr.write(`${describe(error)}\n`);
  await stop(1);
}
