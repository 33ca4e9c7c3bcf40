import { loadConfig } from '../src/config.js';
import { startDynamoDbAdmin, type DynamoDbAdmin } from '../src/local-stack/dynamodb-admin.js';
import { createLogger } from '../src/logger.js';
import { createWallet, type Wallet } from '../src/wallet.js';
import { routeProcessEnd } from './support/process-end.js';
import { describe, parseCommandLine } from './support/run.js';
import { stackLine } from './support/stack-line.js';

/**
 * `npm run admin`: the DynamoDB Admin UI on WALLET_DYNAMODB_ADMIN_PORT (8001)
 * against the configured DynamoDB: the embedded stack `npm start` runs (or one
 * started here), or the endpoint set (LocalStack). Never real AWS.
 */
parseCommandLine({
  usage: 'npm run admin',
  description: `The DynamoDB Admin UI on 127.0.0.1:WALLET_DYNAMODB_ADMIN_PORT (default 8001), against the DynamoDB of a
running \`npm start\` (or AWS_ENDPOINT_URL*, e.g. LocalStack); with none, an empty embedded stack of its own. Never real AWS.`,
});
let wallet: Wallet | undefined;
let admin: DynamoDbAdmin | undefined;
let stopping = false;

async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  await admin?.stop().catch(() => undefined);
  await wallet?.close().catch(() => undefined);
  process.exit(code);
}
routeProcessEnd(
  (code) => void stop(code),
  () => wallet?.logger,
);

try {
  const config = loadConfig();
  if (config.stack === 'aws')
    throw new Error('dynamodb-admin is a local tool: set AWS_ENDPOINT_URL (LocalStack) or use the embedded stack');
  wallet = await createWallet({
    config,
    shareRunningStack: true,
    logger: createLogger(config.logLevel, 'wallet', { pretty: process.stdout.isTTY }),
  });
  const endpoint = wallet.config.endpoints.dynamodb;
  if (!endpoint) throw new Error('no DynamoDB endpoint configured');
  process.stdout.write(`${stackLine(wallet, 'it is empty and stops with this process')}\n`);
  admin = await startDynamoDbAdmin({ dynamodbEndpoint: endpoint, port: config.dynamodbAdminPort });
  process.stdout.write(`DynamoDB Admin UI on ${admin.url}  (DynamoDB ${endpoint})\n`);
} catch (error) {
  process.stderr.write(`${describe(error)}\n`);
  await stop(1);
}
