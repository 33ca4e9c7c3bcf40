import { z } from 'zod';

/**
 * Every setting the service reads from the environment, in one schema.
 * `npm run config-table` prints the README table from these descriptions.
 */
const booleanFromText = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const queueName = z.string().regex(/^[A-Za-z0-9_-]{1,75}(\.fifo)?$/, 'must be a valid SQS queue name');
const tableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a valid DynamoDB table name');

export const EnvSchema = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1').describe('AWS region for both services'),
  AWS_ENDPOINT_URL: z.url().optional().describe('Endpoint for every AWS service (LocalStack, another emulator); unset = embedded stack or real AWS'),
  AWS_ENDPOINT_URL_SQS: z.url().optional().describe('SQS endpoint; overrides AWS_ENDPOINT_URL for SQS'),
  AWS_ENDPOINT_URL_DYNAMODB: z.url().optional().describe('DynamoDB endpoint; overrides AWS_ENDPOINT_URL for DynamoDB'),
  WALLET_STACK: z
    .enum(['embedded', 'endpoint', 'aws'])
    .optional()
    .describe('embedded (in-process fauxqs + DynamoDB Local), endpoint (use the endpoint URLs as they are) or aws; default: endpoint when one is set, else embedded'),
  WALLET_PROVISION: booleanFromText.default(false).describe('On WALLET_STACK=aws: create queues and tables if missing (default false: they come from the infrastructure template)'),
  WALLET_EMBEDDED_SQS_PORT: port.default(4566).describe('Port of the embedded SQS emulator (fauxqs)'),
  WALLET_EMBEDDED_DYNAMODB_PORT: port.default(8000).describe('Port of the embedded DynamoDB Local'),
  WALLET_EMBEDDED_DYNAMODB_HEAP_MB: positiveInt.default(512).describe('Heap cap (-Xmx) of the embedded DynamoDB Local JVM, in MiB'),
  WALLET_EMBEDDED_DYNAMODB_DATA_DIR: z.string().min(1).optional().describe('Keep embedded DynamoDB data in this directory instead of in memory'),
  WALLET_EMBEDDED_BIND_HOST: z
    .union([z.ipv4(), z.ipv6()])
    .default('127.0.0.1')
    .describe('IP address the embedded SQS emulator and DynamoDB Local listen on; 0.0.0.0 opens them (unauthenticated) to the network'),
  WALLET_DYNAMODB_ADMIN_PORT: port.default(8001).describe('Port of the DynamoDB Admin UI'),
  WALLET_API_PORT: port.default(3000).describe('Port of the HTTP gateway (`npm run api`)'),
  WALLET_COMMAND_QUEUE: queueName.default('wallet-commands').describe('Command queue name'),
  WALLET_REPLY_QUEUE: queueName.default('wallet-replies').describe('Reply queue name'),
  WALLET_DEAD_LETTER_QUEUE: queueName.default('wallet-commands-dlq').describe('Dead-letter queue of the command queue'),
  WALLET_USERS_TABLE: tableName.default('Users').describe('Users table name'),
  WALLET_TRANSACTIONS_TABLE: tableName.default('Transactions').describe('Transactions table name'),
  WALLET_MAX_RECEIVE_COUNT: positiveInt.max(1000).default(5).describe('Deliveries of a failing command before SQS moves it to the DLQ'),
  WALLET_VISIBILITY_TIMEOUT_SECONDS: positiveInt.max(43200).default(30).describe('Visibility timeout of received commands'),
  WALLET_WAIT_TIME_SECONDS: z.coerce.number().int().min(0).max(20).default(20).describe('SQS long-poll wait in seconds (a stop ends the poll at once)'),
  WALLET_POLLERS: positiveInt.max(64).default(4).describe('Concurrent SQS pollers (sqs-consumer instances) per worker process'),
  WALLET_BATCH_SIZE: positiveInt.max(10).default(10).describe('Messages per receive (SQS maximum 10)'),
  WALLET_RETRY_BASE_SECONDS: z.coerce.number().int().min(0).max(300).default(2).describe('First retry delay of a transiently failed command; doubles per delivery (capped at 60 s)'),
  WALLET_MAX_CONFLICT_RETRIES: positiveInt.max(1000).default(50).describe('Optimistic-concurrency retries of one command before it is left for redelivery'),
  WALLET_MAX_SOCKETS: positiveInt.max(4096).default(64).describe('Keep-alive sockets per AWS client'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
});

export type Env = z.infer<typeof EnvSchema>;
export type StackKind = 'embedded' | 'endpoint' | 'aws';

export interface Config {
  region: string;
  stack: StackKind;
  provision: boolean;
  endpoints: { sqs?: string; dynamodb?: string };
  embedded: { sqsPort: number; dynamodbPort: number; dynamodbHeapMb: number; dynamodbDataDir?: string; bindHost: string };
  dynamodbAdminPort: number;
  apiPort: number;
  queues: { command: string; reply: string; deadLetter: string };
  tables: { users: string; transactions: string };
  maxReceiveCount: number;
  worker: { visibilityTimeoutSeconds: number; waitTimeSeconds: number; pollers: number; batchSize: number; retryBaseSeconds: number };
  maxConflictRetries: number;
  maxSockets: number;
  logLevel: Env['LOG_LEVEL'];
}

export class ConfigError extends Error {
  readonly code = 'invalid_config' as const;
  readonly retryable = false;
  constructor(
    message: string,
    readonly variables: string[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; a bad variable throws a ConfigError that names it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(withoutEmptyValues(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`, parsed.error.issues.map((issue) => issue.path.join('.')));
  }
  const e = parsed.data;
  const sqsEndpoint = e.AWS_ENDPOINT_URL_SQS ?? e.AWS_ENDPOINT_URL;
  const dynamodbEndpoint = e.AWS_ENDPOINT_URL_DYNAMODB ?? e.AWS_ENDPOINT_URL;
  const stack = e.WALLET_STACK ?? (sqsEndpoint || dynamodbEndpoint ? 'endpoint' : 'embedded');
  if (stack === 'endpoint' && !(sqsEndpoint && dynamodbEndpoint)) {
    throw new ConfigError('WALLET_STACK=endpoint needs AWS_ENDPOINT_URL (or both AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_DYNAMODB)', ['WALLET_STACK']);
  }
  const fifo = [e.WALLET_COMMAND_QUEUE, e.WALLET_DEAD_LETTER_QUEUE].map((name) => name.endsWith('.fifo'));
  if (fifo[0] !== fifo[1]) {
    throw new ConfigError('WALLET_COMMAND_QUEUE and WALLET_DEAD_LETTER_QUEUE must both be FIFO (.fifo) or both standard', ['WALLET_DEAD_LETTER_QUEUE']);
  }
  return {
    region: e.AWS_REGION,
    stack,
    provision: stack !== 'aws' || e.WALLET_PROVISION,
    endpoints: stack === 'embedded' ? {} : { ...(sqsEndpoint && { sqs: sqsEndpoint }), ...(dynamodbEndpoint && { dynamodb: dynamodbEndpoint }) },
    embedded: {
      sqsPort: e.WALLET_EMBEDDED_SQS_PORT,
      dynamodbPort: e.WALLET_EMBEDDED_DYNAMODB_PORT,
      dynamodbHeapMb: e.WALLET_EMBEDDED_DYNAMODB_HEAP_MB,
      bindHost: e.WALLET_EMBEDDED_BIND_HOST,
      ...(e.WALLET_EMBEDDED_DYNAMODB_DATA_DIR && { dynamodbDataDir: e.WALLET_EMBEDDED_DYNAMODB_DATA_DIR }),
    },
    dynamodbAdminPort: e.WALLET_DYNAMODB_ADMIN_PORT,
    apiPort: e.WALLET_API_PORT,
    queues: { command: e.WALLET_COMMAND_QUEUE, reply: e.WALLET_REPLY_QUEUE, deadLetter: e.WALLET_DEAD_LETTER_QUEUE },
    tables: { users: e.WALLET_USERS_TABLE, transactions: e.WALLET_TRANSACTIONS_TABLE },
    maxReceiveCount: e.WALLET_MAX_RECEIVE_COUNT,
    worker: {
      visibilityTimeoutSeconds: e.WALLET_VISIBILITY_TIMEOUT_SECONDS,
      waitTimeSeconds: e.WALLET_WAIT_TIME_SECONDS,
      pollers: e.WALLET_POLLERS,
      batchSize: e.WALLET_BATCH_SIZE,
      retryBaseSeconds: e.WALLET_RETRY_BASE_SECONDS,
    },
    maxConflictRetries: e.WALLET_MAX_CONFLICT_RETRIES,
    maxSockets: e.WALLET_MAX_SOCKETS,
    logLevel: e.LOG_LEVEL,
  };
}

/** A variable set to "" means "not set" (as shells and compose files often produce). */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}
