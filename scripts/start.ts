import { loadConfig } from '../src/config.js';
import { startDynamoDbAdmin, type DynamoDbAdmin } from '../src/local-stack/dynamodb-admin.js';
import { createLogger } from '../src/logger.js';
import { createOperations, type Operations } from '../src/observability/operations.js';
import { createWallet, type Wallet } from '../src/wallet.js';
import { seedUsersIfEmpty } from '../src/resources/seed.js';
import { routeProcessEnd } from './support/process-end.js';
import { nodeSupportLine } from './support/node-support.js';
import { describe, parseCommandLine } from './support/run.js';

/**
 * `npm start`: the embedded stack (unless endpoints are configured), seed
 * users if there are none, the worker, and a copy-paste example. Runs until
 * SIGINT/SIGTERM, then stops gracefully: in-flight messages finish, exit 0.
 * `npm start -- --admin` also serves the DynamoDB Admin UI.
 */
const { switches } = parseCommandLine({
  usage: 'npm start [-- --admin]',
  description: `Starts the embedded stack (fauxqs SQS on 127.0.0.1:4566, DynamoDB Local on 127.0.0.1:8000) unless
AWS_ENDPOINT_URL* is set, creates the queues and tables, seeds 10 users if there are none, and runs the worker.
Ctrl-C or SIGTERM stop it gracefully (in-flight commands finish, then the stack stops; exit 0).
  --admin   also serve the DynamoDB Admin UI on WALLET_DYNAMODB_ADMIN_PORT (8001)`,
  switches: ['admin'],
});
let wallet: Wallet | undefined;
let admin: DynamoDbAdmin | undefined;
let operations: Operations | undefined;
let stopping = false;

async function stop(code: number, reason: string) {
  if (stopping) return;
  stopping = true;
  wallet?.logger.info({ reason }, 'shutting down');
  await admin?.stop().catch(() => undefined);
  await wallet?.close().catch((err: unknown) => wallet?.logger.error({ err }, 'error while shutting down'));
  await operations?.stop().catch(() => undefined);
  process.exit(code);
}

routeProcessEnd(
  (code, reason) => void stop(code, reason),
  () => wallet?.logger,
);

try {
  const config = loadConfig();
  // Human-readable lines for a person at a terminal; JSON when piped to a file or a log shipper.
  const logger = createLogger(config.logLevel, 'wallet', { pretty: process.stdout.isTTY });
  operations = createOperations(config, logger);
  // Its own stack, never another `npm start`'s: two workers' stacks must not stop under each other.
  wallet = await createWallet({ config, shareRunningStack: false, logger, telemetry: operations.telemetry });
  const dynamodbEndpoint = wallet.config.endpoints.dynamodb;
  if (switches.has('admin') && dynamodbEndpoint) {
    admin = await startDynamoDbAdmin({ dynamodbEndpoint, port: config.dynamodbAdminPort });
  }
  const seeded = await seedUsersIfEmpty(wallet.clients.ddb, wallet.config);
  wallet.startWorker();
  await operations.start({ ddb: wallet.clients.ddb, config: wallet.config });
  printBanner(wallet, seeded?.[0]?.userId);
  if (seeded) for (const user of seeded) process.stdout.write(`  seeded user ${user.userId}  balance ${user.balance}  ${user.currency}\n`);
} catch (error) {
  process.stderr.write(`${describe(error)}\n`);
  await stop(1, 'start-up failed');
}

function printBanner(running: Wallet, exampleUser = '<userId>') {
  const { config, queueUrls } = running;
  const endpoint = config.endpoints.sqs ?? '(AWS default)';
  const aws = `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --region ${config.region}${config.endpoints.sqs ? ` --endpoint-url ${config.endpoints.sqs}` : ''}`;
  const body = JSON.stringify({ idempotentKey: `demo-${Date.now()}`, userId: exampleUser, amount: '10.00', type: 'credit' });
  process.stdout.write(
    [
      '',
      `wallet worker running (${config.stack} stack)`,
      `  SQS endpoint       ${endpoint}`,
      `  DynamoDB endpoint  ${config.endpoints.dynamodb ?? '(AWS default)'}${running.dynamodbLocalPid ? `  (DynamoDB Local, pid ${running.dynamodbLocalPid})` : ''}`,
      `  command queue      ${queueUrls.command}`,
      `  reply queue        ${queueUrls.reply}`,
      `  dead-letter queue  ${queueUrls.deadLetter}`,
      `  tables             ${config.tables.users}, ${config.tables.transactions}`,
      ...(operations?.url ? [`  metrics, health     ${operations.url}/metrics  /healthz  /readyz`] : []),
      admin
        ? `  DynamoDB Admin UI  ${admin.url}`
        : `  DynamoDB Admin UI  npm run admin (or npm start -- --admin), port ${config.dynamodbAdminPort}`,
      '',
      'try it from another terminal:',
      `  REPLY_TO=$(${aws} sqs create-queue --queue-name ${config.queues.reply.replace(/\.fifo$/, '')}-cli-$$${config.queues.reply.endsWith('.fifo') ? '.fifo' : ''} --query QueueUrl --output text)`,
      `  ${aws} sqs send-message --queue-url ${queueUrls.command} --message-body '${body}' \\`,
      `    --message-attributes '{"ReplyTo":{"DataType":"String","StringValue":"'"$REPLY_TO"'"},"CorrelationId":{"DataType":"String","StringValue":"demo-cli"}}'`,
      `  ${aws} sqs receive-message --queue-url "$REPLY_TO" --message-attribute-names CorrelationId --wait-time-seconds 10`,
      `  ${aws} sqs delete-queue --queue-url "$REPLY_TO"`,
      '  (or: npm run publish -- --user <userId> --amount 10.00 --type credit)',
      `  npm run balance -- ${exampleUser}`,
      '',
      `Ctrl-C stops it gracefully. (${nodeSupportLine()})`,
      '',
    ].join('\n'),
  );
}
