import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Config } from './config.js';
import { traceAwsCalls } from './observability/tracing.js';
import { useLeanSqs } from './net/lean-sqs-client.js';

export interface AwsClients {
  sqs: SQSClient;
  /** Document client that reads every Number as a NumberValue (its exact decimal string), never a JS number. */
  ddb: DynamoDBDocumentClient;
  destroy(): void;
}

/** Longer than the longest long poll (20 s). */
const SQS_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Keep-alive agents sized to our concurrency (the SDK's default pool of 50
 * sockets would silently cap throughput or leak). A request with no answer
 * fails after `requestTimeout` (throwOnRequestTimeout: without it the handler
 * only warns, and a store that accepts connections but never answers holds a
 * worker forever). SQS calls long-poll for up to 20 s; a DynamoDB call that
 * takes seconds is a hung store, retried and then ridden out by the circuit.
 */
function keepAliveHandler(agents: KeepAliveAgents, requestTimeout: number): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: agents.http,
    httpsAgent: agents.https,
    connectionTimeout: 3_000,
    requestTimeout,
    throwOnRequestTimeout: true,
  });
}

interface KeepAliveAgents {
  http: Agent;
  https: HttpsAgent;
}

function keepAliveAgents(maxSockets: number): KeepAliveAgents {
  return { http: new Agent({ keepAlive: true, maxSockets }), https: new HttpsAgent({ keepAlive: true, maxSockets }) };
}

const SDK_NODE_WARNING_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/**
 * Builds AWS clients without the SDK's 9-line NodeVersionSupportWarning (printed on
 * Node 20, which this package supports): it would otherwise appear in every process
 * that uses the library. The SDK reads the switch while a client is constructed;
 * it is set for that moment only, and a value the process chose itself (`false` to
 * see the warning) is left alone. The SDK warns once per process, so a client the
 * caller builds later does not warn either.
 */
export function withoutSdkNodeWarning<T>(build: () => T): T {
  if (process.env[SDK_NODE_WARNING_SWITCH] !== undefined) return build();
  process.env[SDK_NODE_WARNING_SWITCH] = 'true';
  try {
    return build();
  } finally {
    delete process.env[SDK_NODE_WARNING_SWITCH];
  }
}

/**
 * Settings every SQS client of ours shares. `md5: false`: the SDK would hash
 * every body it sends and receives to compare with SQS's MD5 of it (~10% of
 * the worker's CPU per command); a body cannot change on the wire unnoticed
 * under TLS (and the emulators are on loopback), and every body is parsed
 * and validated anyway, so the check catches nothing.
 */
const SQS_SETTINGS = { md5: false } as const;

/** Emulators accept any credentials; real AWS uses the normal provider chain. */
const EMULATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

function credentialsFor(config: Config): { credentials?: typeof EMULATOR_CREDENTIALS } {
  return config.stack === 'aws' ? {} : { credentials: EMULATOR_CREDENTIALS };
}

/**
 * An SQS client of ours with a connection pool of `maxSockets`, at `endpoint`
 * when one is given. With `config.sqsClient` lean (the default), its hot
 * calls take the lean path (net/lean-sqs-client.ts) over the same sockets,
 * credentials and region; every other call is the SDK's.
 */
function sqsClient(config: Config, maxSockets: number, endpoint: string | undefined): SQSClient {
  const agents = keepAliveAgents(maxSockets);
  const build = () =>
    withoutSdkNodeWarning(
      () =>
        new SQSClient({
          ...SQS_SETTINGS,
          region: config.region,
          requestHandler: keepAliveHandler(agents, SQS_REQUEST_TIMEOUT_MS),
          ...credentialsFor(config),
          ...(endpoint && { endpoint, useQueueUrlAsEndpoint: false }),
        }),
    );
  const sdk = build();
  if (config.sqsClient === 'lean') {
    useLeanSqs(sdk, { ...(endpoint && { endpoint }), agents, requestTimeoutMs: SQS_REQUEST_TIMEOUT_MS, fallback: build() });
  }
  return sdk;
}

/**
 * Builds both clients with keep-alive agents sized to our concurrency (the
 * SDK default pool of 50 sockets would silently cap throughput or leak).
 */
export function createAwsClients(config: Config, endpoints: { sqs?: string; dynamodb?: string } = config.endpoints): AwsClients {
  const sqs = sqsClient(config, config.maxSockets, endpoints.sqs);
  const dynamodb = withoutSdkNodeWarning(
    () =>
      new DynamoDBClient({
        region: config.region,
        requestHandler: keepAliveHandler(keepAliveAgents(config.maxSockets), config.dynamodbRequestTimeoutMs),
        ...credentialsFor(config),
        ...(endpoints.dynamodb && { endpoint: endpoints.dynamodb }),
      }),
  );
  // A child span for each DynamoDB call made inside a traced command (a no-op without an OpenTelemetry SDK).
  traceAwsCalls(dynamodb.middlewareStack, 'DynamoDB');
  const ddb = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
    unmarshallOptions: { wrapNumbers: true },
  });
  return {
    sqs,
    ddb,
    destroy() {
      sqs.destroy();
      dynamodb.destroy();
    },
  };
}

/** Sockets of the reply listener's own client: its few long polls and deletes, never the send path's pool. */
export const REPLY_CLIENT_MAX_SOCKETS = 16;

/**
 * An SQS client with a connection pool of its own, for the reply listener:
 * its long polls (up to 20 s each) must never hold sockets that sends and
 * the worker's receives need.
 */
export function createReplySqsClient(config: Config, endpoint: string | undefined = config.endpoints.sqs): SQSClient {
  return sqsClient(config, REPLY_CLIENT_MAX_SOCKETS, endpoint);
}

/**
 * An STS client, for the one GetCallerIdentity a reply listener makes (who
 * created its queue, reply-queue-policy.ts). On emulators it asks the SQS
 * endpoint: fauxqs and LocalStack answer STS there too.
 */
export function createStsClient(config: Config): STSClient {
  return new STSClient({
    region: config.region,
    ...credentialsFor(config),
    ...(config.endpoints.sqs && { endpoint: config.endpoints.sqs }),
  });
}
