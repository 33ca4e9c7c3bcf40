import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * Every setting the service reads from the environment, in one schema.
 * `npm run config-table` writes docs/configuration.md from these descriptions.
 */
/** A true/false variable; its default is stated as text so docs/configuration.md shows it. */
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');
const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const queueName = z.string().regex(/^[A-Za-z0-9_-]{1,75}(\.fifo)?$/, 'must be a valid SQS queue name');
const tableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a valid DynamoDB table name');

/**
 * Actions the largest command needs in one transaction: the reversal of a
 * transfer (both users' Updates, the original's, its record and the other
 * user's leg). A smaller group could never write it; the round planner's
 * unit test holds every command's shape to this.
 */
export const LARGEST_COMMAND_ACTIONS = 5;

export const EnvSchema = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1').describe('AWS region for both services'),
  AWS_ENDPOINT_URL: z
    .url()
    .optional()
    .describe('Endpoint for every AWS service (LocalStack, another emulator); unset = embedded stack or real AWS'),
  AWS_ENDPOINT_URL_SQS: z.url().optional().describe('SQS endpoint; overrides AWS_ENDPOINT_URL for SQS'),
  AWS_ENDPOINT_URL_DYNAMODB: z.url().optional().describe('DynamoDB endpoint; overrides AWS_ENDPOINT_URL for DynamoDB'),
  WALLET_STACK: z
    .enum(['embedded', 'endpoint', 'aws'])
    .optional()
    .describe(
      'embedded (in-process fauxqs + DynamoDB Local), endpoint (use the endpoint URLs as they are) or aws; default: endpoint when one is set, else embedded',
    ),
  WALLET_PROVISION: flag(false).describe(
    'On WALLET_STACK=aws: create queues and tables if missing (default false: they come from the infrastructure template)',
  ),
  WALLET_EMBEDDED_SQS_PORT: port.default(4566).describe('Port of the embedded SQS emulator (fauxqs)'),
  WALLET_EMBEDDED_DYNAMODB_PORT: port.default(8000).describe('Port of the embedded DynamoDB Local'),
  WALLET_EMBEDDED_DYNAMODB_HEAP_MB: positiveInt.default(512).describe('Heap cap (-Xmx) of the embedded DynamoDB Local JVM, in MiB'),
  WALLET_EMBEDDED_DYNAMODB_DATA_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('Keep embedded DynamoDB data in this directory instead of in memory'),
  WALLET_EMBEDDED_BIND_HOST: z
    .union([z.ipv4(), z.ipv6()])
    .default('127.0.0.1')
    .describe('IP address the embedded SQS emulator and DynamoDB Local listen on; 0.0.0.0 opens them (unauthenticated) to the network'),
  WALLET_DYNAMODB_ADMIN_PORT: port.default(8001).describe('Port of the DynamoDB Admin UI'),
  WALLET_API_PORT: port.default(3000).describe('Port of the HTTP gateway (`npm run api`)'),
  WALLET_API_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe(
      'Address the HTTP gateway listens on; anything but loopback needs authentication (WALLET_API_JWT_SECRET or WALLET_API_JWKS_*)',
    ),
  WALLET_API_JWT_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (256 bits for HS256)')
    .optional()
    .describe('Shared secret that verifies HS256 bearer tokens of the HTTP gateway'),
  WALLET_API_JWKS_FILE: z.string().min(1).optional().describe('JSON Web Key Set file whose public keys verify RS256/ES256 bearer tokens'),
  WALLET_API_JWKS_URL: z
    .url()
    .refine(
      isHttpsOrLoopback,
      'must be https:// (plain http:// only to a loopback address): whoever can change the keys in transit can sign tokens',
    )
    .optional()
    .describe(
      "JSON Web Key Set URL (e.g. Cognito's .well-known/jwks.json) whose keys verify RS256/ES256 bearer tokens; https (http on loopback only)",
    ),
  WALLET_API_JWT_ISSUER: z.string().min(1).optional().describe('Required `iss` of bearer tokens (unset: not checked)'),
  WALLET_API_JWT_AUDIENCE: z
    .string()
    .regex(/^[^,\s]+( *, *[^,\s]+)*$/, 'must be comma-separated audiences')
    .optional()
    .describe(
      'Accepted `aud` of bearer tokens, comma-separated (unset: not checked); with a Cognito issuer or JWKS URL: the app client ids, matched against `client_id` (required there)',
    ),
  WALLET_API_ADMIN_SCOPE: z
    .string()
    .regex(/^[\x21-\x7e]+$/, 'must be one scope (no spaces)')
    .default('wallet:admin')
    .describe('Scope that lets a token act for any user (Cognito writes resource-server scopes as `wallet/admin`)'),
  WALLET_API_DOCS: flag(false).describe('Serve Swagger UI at /docs and the OpenAPI document at /docs/json (default false: not served)'),
  WALLET_API_RATE_LIMIT: positiveInt
    .default(600)
    .describe(
      'Requests per minute per principal (token subject; client address without authentication); 429 beyond. /health is not counted',
    ),
  WALLET_API_AUTH_FAILURE_LIMIT: positiveInt
    .default(20)
    .describe(
      'Failed authentications per minute per client address; past it every request from that address gets 429 (Retry-After) until the minute ends',
    ),
  WALLET_API_TRUST_PROXY: z
    .string()
    .regex(/^(\d{1,2}|[0-9a-fA-F:./]+( *, *[0-9a-fA-F:./]+)*)$/, 'must be a hop count or comma-separated proxy addresses / CIDRs')
    .optional()
    .describe(
      'Proxies whose X-Forwarded-For names the client address (a hop count, or comma-separated addresses / CIDRs, e.g. the load balancer subnets); unset: the socket address, X-Forwarded-For ignored',
    ),
  WALLET_API_MAX_WAITERS: positiveInt.default(1000).describe('Concurrent `?wait=true` requests per gateway process; 503 beyond'),
  WALLET_API_ALLOWED_HOSTS: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Host header names the gateway answers (comma-separated); default without authentication: localhost, 127.0.0.1, [::1] (DNS rebinding); with authentication: any',
    ),
  WALLET_COMMAND_QUEUE: queueName.default('wallet-commands').describe('Command queue name'),
  WALLET_REPLY_QUEUE: queueName.default('wallet-replies').describe('Reply queue name'),
  WALLET_REPLY_QUEUE_IDLE_SECONDS: positiveInt
    .max(7 * 24 * 3600)
    .default(900)
    .describe(
      "A waiting process's own reply queue (WALLET_REPLY_QUEUE + -gw-…) not kept alive by its owner for this long is deleted by any other waiting process",
    ),
  WALLET_WORKER_SENDER_IDS: z
    .string()
    .regex(/^[A-Za-z0-9:._@=+-]+( *, *[A-Za-z0-9:._@=+-]+)*$/, 'must be comma-separated SQS SenderIds (AROA… role ids, AIDA… user ids)')
    .optional()
    .describe(
      "SenderIds of the worker (its role id, the template's WorkerRoleId output): a waiting process lets only them send to its own reply queue and drops replies from anyone else. Unset: any sender",
    ),
  WALLET_REPLY_QUEUE_KMS_KEY: z
    .string()
    .min(1)
    .optional()
    .describe(
      "KMS key (ARN or alias) that encrypts each waiting process's own reply queue (the template's KmsKeyArn); unset: SQS-managed encryption",
    ),
  WALLET_DEAD_LETTER_QUEUE: queueName.default('wallet-commands-dlq').describe('Dead-letter queue of the command queue'),
  WALLET_DEFAULT_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in upper case (one src/money/currencies.ts knows)')
    .default('USD')
    .describe(
      'Currency of the wallets created before wallets had one (items without `currency`), and of the users `npm run init-tables` seeds',
    ),
  WALLET_USERS_TABLE: tableName.default('Users').describe('Users table name'),
  WALLET_TRANSACTIONS_TABLE: tableName.default('Transactions').describe('Transactions table name'),
  WALLET_MAX_RECEIVE_COUNT: positiveInt.max(1000).default(5).describe('Deliveries of a failing command before SQS moves it to the DLQ'),
  WALLET_VISIBILITY_TIMEOUT_SECONDS: positiveInt.max(43200).default(30).describe('Visibility timeout of received commands'),
  WALLET_WAIT_TIME_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(20)
    .default(20)
    .describe('SQS long-poll wait in seconds (a stop ends the poll at once)'),
  WALLET_POLLERS: positiveInt.max(64).default(4).describe('Concurrent SQS pollers (sqs-consumer instances) per worker process'),
  WALLET_BATCH_SIZE: positiveInt.max(10).default(10).describe('Messages per receive (SQS maximum 10)'),
  WALLET_RETRY_BASE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(300)
    .default(2)
    .describe('First retry delay of a transiently failed command; doubles per delivery (capped at 60 s)'),
  WALLET_MAX_CONFLICT_RETRIES: positiveInt
    .max(1000)
    .default(50)
    .describe('Optimistic-concurrency retries of one command before it is left for redelivery'),
  WALLET_GROUP_COMMIT: flag(true).describe(
    'Decide every waiting command together and write them in as few TransactWriteItems as the limits allow (false: one transaction per command)',
  ),
  WALLET_GROUP_MAX_ACTIONS: z.coerce
    .number()
    .int()
    .min(
      LARGEST_COMMAND_ACTIONS,
      `must be at least ${LARGEST_COMMAND_ACTIONS}: the largest command (the reversal of a transfer) needs ${LARGEST_COMMAND_ACTIONS} actions in one transaction`,
    )
    .max(100)
    .default(100)
    .describe('Largest group: actions per TransactWriteItems (one Put per command plus one write per touched user; DynamoDB allows 100)'),
  WALLET_DYNAMODB_TIMEOUT_MS: positiveInt
    .min(100)
    .max(60_000)
    .default(5_000)
    .describe('A DynamoDB call with no answer after this long fails (and is retried; a store that keeps hanging pauses the worker)'),
  WALLET_SQS_CLIENT: z
    .enum(['lean', 'sdk'])
    .default('lean')
    .describe(
      'Client of the hot SQS calls (ReceiveMessage, DeleteMessageBatch, SendMessageBatch): lean (a small signed JSON path inside the SDK client, half the client CPU per call; a failed attempt goes on through the SDK) or sdk (the AWS SDK for every call): docs/performance.md',
    ),
  WALLET_MAX_SOCKETS: positiveInt.max(4096).default(64).describe('Keep-alive sockets per AWS client'),
  WALLET_METRICS_PORT: port
    .optional()
    .describe("Port of the worker's metrics and health server (/metrics, /healthz, /readyz); unset = no server"),
  WALLET_METRICS_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('Address the metrics and health server listens on (0.0.0.0 to let a scraper or orchestrator outside the host reach it)'),
  WALLET_METRICS_EMF: flag(false).describe(
    'Write the metrics as CloudWatch Embedded Metric Format JSON lines on stdout (Fargate without an agent)',
  ),
  WALLET_METRICS_EMF_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_./#:-]{1,255}$/, 'must be a CloudWatch namespace')
    .default('WalletWorker')
    .describe('CloudWatch namespace of the EMF metrics'),
  WALLET_METRICS_EMF_INTERVAL_SECONDS: positiveInt
    .max(3600)
    .default(60)
    .describe('Seconds between two EMF flushes (and one more at shutdown)'),
  WALLET_READY_PROBE_SECONDS: positiveInt
    .max(300)
    .default(5)
    .describe('Seconds between two store probes behind /readyz (each probe times out after as long)'),
  WALLET_ALLOWED_SENDER_IDS: z
    .string()
    .regex(/^[A-Za-z0-9:._@=+-]+( *, *[A-Za-z0-9:._@=+-]+)*$/, 'must be comma-separated SQS SenderIds (AIDA… user ids, AROA… role ids)')
    .optional()
    .describe(
      'Only commands whose SQS SenderId is listed are decided (a role id matches every session of it); others are logged and deleted with no effect. Unset: any sender',
    ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
});

export type Env = z.infer<typeof EnvSchema>;

/** Length of `-gw-` and 12 hex digits, the name suffix of a waiting process's own reply queue. */
export const REPLY_LISTENER_SUFFIX_LENGTH = 16;
export type StackKind = 'embedded' | 'endpoint' | 'aws';

/** What a waiting process's own reply queue is made with (WALLET_WORKER_SENDER_IDS, WALLET_REPLY_QUEUE_KMS_KEY). */
export interface ReplyQueueSecurity {
  /** Only these SenderIds may send to it, and only their replies are handed over; unset: any sender. */
  workerSenderIds?: string[];
  /** The KMS key that encrypts it; unset: SQS-managed encryption. */
  kmsKey?: string;
}

export interface Config {
  region: string;
  stack: StackKind;
  provision: boolean;
  endpoints: { sqs?: string; dynamodb?: string };
  embedded: { sqsPort: number; dynamodbPort: number; dynamodbHeapMb: number; dynamodbDataDir?: string; bindHost: string };
  dynamodbAdminPort: number;
  apiPort: number;
  /** The HTTP gateway's exposure and authentication (docs/security.md). */
  api: {
    host: string;
    jwt: {
      secret?: string;
      jwksFile?: string;
      jwksUrl?: string;
      issuer?: string;
      /** Accepted `aud` values; in Cognito mode the accepted `client_id` values. */
      audience?: string[];
      /** Tokens come from a Cognito user pool: access tokens only (`token_use`), client checked in `client_id`. */
      cognito?: boolean;
      adminScope: string;
    };
    docs: boolean;
    rateLimitPerMinute: number;
    authFailureLimitPerMinute: number;
    /** Fastify's trustProxy: which proxies' X-Forwarded-For gives the client address (false: none). */
    trustProxy: false | number | string[];
    maxWaiters: number;
    allowedHosts?: string[];
  };
  queues: { command: string; reply: string; deadLetter: string };
  /** Seconds after which an abandoned per-process reply queue is removed (see reply-listener.ts). */
  replyQueueIdleSeconds: number;
  /** Who may write to a waiting process's own reply queue (reply-queue-policy.ts). */
  replyQueueSecurity: ReplyQueueSecurity;
  tables: { users: string; transactions: string };
  /** The currency of wallets whose item names none (made before currencies), and of seeded users. */
  defaultCurrency: string;
  maxReceiveCount: number;
  worker: { visibilityTimeoutSeconds: number; waitTimeSeconds: number; pollers: number; batchSize: number; retryBaseSeconds: number };
  maxConflictRetries: number;
  groupCommit: { enabled: boolean; maxActions: number };
  maxSockets: number;
  /** Who sends the hot SQS calls (clients.ts): the lean path or the SDK. */
  sqsClient: 'lean' | 'sdk';
  dynamodbRequestTimeoutMs: number;
  observability: {
    metricsPort?: number;
    metricsHost: string;
    emf: boolean;
    emfNamespace: string;
    emfIntervalSeconds: number;
    readyProbeSeconds: number;
  };
  logLevel: Env['LOG_LEVEL'];
  /** WALLET_ALLOWED_SENDER_IDS, split; undefined: every sender. */
  allowedSenderIds?: string[];
}

/** Parses the environment once; a bad variable throws a ConfigError that names it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(withoutEmptyValues(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(
      `invalid configuration:\n  ${lines.join('\n  ')}`,
      parsed.error.issues.map((issue) => issue.path.join('.')),
    );
  }
  const e = parsed.data;
  const sqsEndpoint = e.AWS_ENDPOINT_URL_SQS ?? e.AWS_ENDPOINT_URL;
  const dynamodbEndpoint = e.AWS_ENDPOINT_URL_DYNAMODB ?? e.AWS_ENDPOINT_URL;
  const stack = e.WALLET_STACK ?? (sqsEndpoint || dynamodbEndpoint ? 'endpoint' : 'embedded');
  if (stack === 'endpoint' && !(sqsEndpoint && dynamodbEndpoint)) {
    throw new ConfigError('WALLET_STACK=endpoint needs AWS_ENDPOINT_URL (or both AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_DYNAMODB)', [
      'WALLET_STACK',
    ]);
  }
  const fifo = [e.WALLET_COMMAND_QUEUE, e.WALLET_DEAD_LETTER_QUEUE].map((name) => name.endsWith('.fifo'));
  if (fifo[0] !== fifo[1]) {
    throw new ConfigError('WALLET_COMMAND_QUEUE and WALLET_DEAD_LETTER_QUEUE must both be FIFO (.fifo) or both standard', [
      'WALLET_DEAD_LETTER_QUEUE',
    ]);
  }
  const keySources = (['WALLET_API_JWT_SECRET', 'WALLET_API_JWKS_FILE', 'WALLET_API_JWKS_URL'] as const).filter(
    (name) => e[name] !== undefined,
  );
  if (keySources.length > 1) {
    throw new ConfigError(`set one way to verify tokens, not ${keySources.join(' and ')}`, [...keySources]);
  }
  const cognito = [e.WALLET_API_JWT_ISSUER, e.WALLET_API_JWKS_URL].some((url) => url !== undefined && isCognitoUrl(url));
  if (cognito && !e.WALLET_API_JWT_AUDIENCE) {
    throw new ConfigError(
      'a Cognito user pool needs WALLET_API_JWT_AUDIENCE: the app client ids whose access tokens are accepted (matched against client_id)',
      ['WALLET_API_JWT_AUDIENCE'],
    );
  }
  // Room for the per-process reply queue's suffix (reply-listener.ts) within SQS's 80 characters.
  if (e.WALLET_REPLY_QUEUE.length + REPLY_LISTENER_SUFFIX_LENGTH > 80) {
    throw new ConfigError(
      `WALLET_REPLY_QUEUE must be at most ${80 - REPLY_LISTENER_SUFFIX_LENGTH} characters (waiting processes add a suffix to it)`,
      ['WALLET_REPLY_QUEUE'],
    );
  }
  return {
    region: e.AWS_REGION,
    stack,
    provision: stack !== 'aws' || e.WALLET_PROVISION,
    endpoints:
      stack === 'embedded' ? {} : { ...(sqsEndpoint && { sqs: sqsEndpoint }), ...(dynamodbEndpoint && { dynamodb: dynamodbEndpoint }) },
    embedded: {
      sqsPort: e.WALLET_EMBEDDED_SQS_PORT,
      dynamodbPort: e.WALLET_EMBEDDED_DYNAMODB_PORT,
      dynamodbHeapMb: e.WALLET_EMBEDDED_DYNAMODB_HEAP_MB,
      bindHost: e.WALLET_EMBEDDED_BIND_HOST,
      ...(e.WALLET_EMBEDDED_DYNAMODB_DATA_DIR && { dynamodbDataDir: e.WALLET_EMBEDDED_DYNAMODB_DATA_DIR }),
    },
    dynamodbAdminPort: e.WALLET_DYNAMODB_ADMIN_PORT,
    apiPort: e.WALLET_API_PORT,
    api: {
      host: e.WALLET_API_HOST,
      jwt: {
        ...(e.WALLET_API_JWT_SECRET && { secret: e.WALLET_API_JWT_SECRET }),
        ...(e.WALLET_API_JWKS_FILE && { jwksFile: e.WALLET_API_JWKS_FILE }),
        ...(e.WALLET_API_JWKS_URL && { jwksUrl: e.WALLET_API_JWKS_URL }),
        ...(e.WALLET_API_JWT_ISSUER && { issuer: e.WALLET_API_JWT_ISSUER }),
        ...(e.WALLET_API_JWT_AUDIENCE && { audience: commaList(e.WALLET_API_JWT_AUDIENCE) }),
        cognito,
        adminScope: e.WALLET_API_ADMIN_SCOPE,
      },
      docs: e.WALLET_API_DOCS,
      rateLimitPerMinute: e.WALLET_API_RATE_LIMIT,
      authFailureLimitPerMinute: e.WALLET_API_AUTH_FAILURE_LIMIT,
      trustProxy:
        e.WALLET_API_TRUST_PROXY === undefined
          ? false
          : /^\d+$/.test(e.WALLET_API_TRUST_PROXY)
            ? Number(e.WALLET_API_TRUST_PROXY)
            : commaList(e.WALLET_API_TRUST_PROXY),
      maxWaiters: e.WALLET_API_MAX_WAITERS,
      ...(e.WALLET_API_ALLOWED_HOSTS && { allowedHosts: e.WALLET_API_ALLOWED_HOSTS.split(',').map((host) => host.trim().toLowerCase()) }),
    },
    queues: { command: e.WALLET_COMMAND_QUEUE, reply: e.WALLET_REPLY_QUEUE, deadLetter: e.WALLET_DEAD_LETTER_QUEUE },
    replyQueueIdleSeconds: e.WALLET_REPLY_QUEUE_IDLE_SECONDS,
    replyQueueSecurity: {
      ...(e.WALLET_WORKER_SENDER_IDS && { workerSenderIds: commaList(e.WALLET_WORKER_SENDER_IDS) }),
      ...(e.WALLET_REPLY_QUEUE_KMS_KEY && { kmsKey: e.WALLET_REPLY_QUEUE_KMS_KEY }),
    },
    tables: { users: e.WALLET_USERS_TABLE, transactions: e.WALLET_TRANSACTIONS_TABLE },
    defaultCurrency: e.WALLET_DEFAULT_CURRENCY,
    maxReceiveCount: e.WALLET_MAX_RECEIVE_COUNT,
    worker: {
      visibilityTimeoutSeconds: e.WALLET_VISIBILITY_TIMEOUT_SECONDS,
      waitTimeSeconds: e.WALLET_WAIT_TIME_SECONDS,
      pollers: e.WALLET_POLLERS,
      batchSize: e.WALLET_BATCH_SIZE,
      retryBaseSeconds: e.WALLET_RETRY_BASE_SECONDS,
    },
    maxConflictRetries: e.WALLET_MAX_CONFLICT_RETRIES,
    groupCommit: { enabled: e.WALLET_GROUP_COMMIT, maxActions: e.WALLET_GROUP_MAX_ACTIONS },
    maxSockets: e.WALLET_MAX_SOCKETS,
    sqsClient: e.WALLET_SQS_CLIENT,
    dynamodbRequestTimeoutMs: e.WALLET_DYNAMODB_TIMEOUT_MS,
    observability: {
      ...(e.WALLET_METRICS_PORT !== undefined && { metricsPort: e.WALLET_METRICS_PORT }),
      metricsHost: e.WALLET_METRICS_HOST,
      emf: e.WALLET_METRICS_EMF,
      emfNamespace: e.WALLET_METRICS_EMF_NAMESPACE,
      emfIntervalSeconds: e.WALLET_METRICS_EMF_INTERVAL_SECONDS,
      readyProbeSeconds: e.WALLET_READY_PROBE_SECONDS,
    },
    logLevel: e.LOG_LEVEL,
    ...(e.WALLET_ALLOWED_SENDER_IDS && { allowedSenderIds: e.WALLET_ALLOWED_SENDER_IDS.split(',').map((id) => id.trim()) }),
  };
}

function commaList(value: string): string[] {
  return value.split(',').map((item) => item.trim());
}

/** A key set may come over plain http only from this machine (a test's or a sidecar's key server). */
function isHttpsOrLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'https:') return true;
  if (protocol !== 'http:') return false;
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Issuer and key URLs of Amazon Cognito user pools: https://cognito-idp.<region>.amazonaws.com/<pool id>. */
function isCognitoUrl(url: string): boolean {
  try {
    return /^cognito-idp(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** A variable set to "" means "not set" (as shells and compose files often produce). */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}
