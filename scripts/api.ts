import { authenticationConfigured } from '../src/http/auth.js';
import { buildApi, listenApi } from '../src/http/build-api.js';
import { assertSafeBind } from '../src/http/exposure.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { seedUsersIfEmpty } from '../src/resources/seed.js';
import { createWallet, type Wallet } from '../src/wallet.js';
import { routeProcessEnd } from './support/process-end.js';
import { describe, parseCommandLine } from './support/run.js';
import { stackLine } from './support/stack-line.js';

/**
 * `npm run api`: the HTTP gateway on WALLET_API_HOST:WALLET_API_PORT (default 127.0.0.1:3000),
 * Swagger UI at /docs with WALLET_API_DOCS=true.
 * Shares the stack `npm start` runs; when it had to start an embedded stack
 * itself, nobody else runs a worker there or has seeded it, so it does both
 * (as `npm start` would) and prints the users. Its first line says which.
 */
parseCommandLine({
  usage: 'npm run api',
  description: `The HTTP gateway (POST /transactions, GET /users/:userId/balance, GET /users/:userId/transactions, GET /health)
on 127.0.0.1:WALLET_API_PORT (default 3000), Swagger UI at /docs. Uses the stack of a running \`npm start\`
(or the configured endpoints); with none, starts an embedded stack of its own with a worker and seeded users.`,
});

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
routeProcessEnd(
  (code) => void stop(code),
  () => wallet?.logger,
);

try {
  const config = loadConfig();
  // Before anything starts: a gateway beyond loopback without authentication would let anyone move money.
  assertSafeBind(config.api, authenticationConfigured(config.api.jwt));
  wallet = await createWallet({
    config,
    shareRunningStack: true,
    logger: createLogger(config.logLevel, 'wallet', { pretty: process.stdout.isTTY }),
  });
  process.stdout.write(`${stackLine(wallet, 'it has a worker and seeded users, and stops with this process')}\n`);
  if (wallet.startedEmbeddedStack) {
    const seeded = await seedUsersIfEmpty(wallet.clients.ddb, wallet.config);
    for (const user of seeded ?? []) process.stdout.write(`  seeded user ${user.userId}  balance ${user.balance}  ${user.currency}\n`);
    wallet.startWorker();
  }
  const app = await buildApi({ wallet });
  closeApi = () => app.close();
  const address = await listenApi(app, wallet);
  const auth = authenticationConfigured(config.api.jwt) ? 'bearer tokens required' : 'no authentication (loopback only)';
  process.stdout.write(
    `wallet API on ${address}, ${auth}  (Swagger UI: ${config.api.docs ? `${address}/docs` : 'off; WALLET_API_DOCS=true'})\n`,
  );
} catch (error) {
  process.stderr.write(`${describe(error)}\n`);
  await stop(1);
}
