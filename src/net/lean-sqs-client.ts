import { type Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { type Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { LeanSqsAttemptError } from '../errors.js';
import { type SigningCredentials, SigV4Signer } from './sigv4.js';

export interface LeanSqsOptions {
  /** A plain SDK client with the same settings and agents: a failed lean attempt is sent again by it. */
  fallback: SQSClient;
  /** The configured endpoint (emulators); unset: the origin of each call's queue URL, as `useQueueUrlAsEndpoint` does. */
  endpoint?: string;
  /** The SDK client's own keep-alive agents, so both paths share one pool. */
  agents: { http: Agent; https: HttpsAgent };
  requestTimeoutMs: number;
}

const MAX_CACHED_QUEUE_URLS = 1_000;

type LeanOperation = 'ReceiveMessage' | 'DeleteMessageBatch' | 'SendMessageBatch';

type LeanCommand = ReceiveMessageCommand | DeleteMessageBatchCommand | SendMessageBatchCommand;

/** The three hot commands; anything else goes to the SDK. */
function leanOperation(command: unknown): LeanOperation | undefined {
  if (command instanceof ReceiveMessageCommand) return 'ReceiveMessage';
  if (command instanceof DeleteMessageBatchCommand) return 'DeleteMessageBatch';
  if (command instanceof SendMessageBatchCommand) return 'SendMessageBatch';
  return undefined;
}

type Handler = (args: { input: unknown }) => Promise<{ output: unknown; response?: unknown }>;
type Middleware = (next: Handler, context: Record<string, unknown>) => Handler;
interface StackEntry {
  middleware: Middleware;
  step?: string;
  priority?: 'high' | 'normal' | 'low';
  name?: string;
}

const PRIORITY_WEIGHT = { high: 3, normal: 2, low: 1 } as const;

/**
 * The middlewares staged in the client's initialize step (faults and
 * counters of the chaos harness and the tests, the bench's meters), in the
 * order the SDK runs them (priority, then the order they were added); the
 * SDK's own logger is left out (no logger is configured, and it needs the
 * SDK's log filters in its context). Read on every call, so one staged
 * after the client was built applies from its next call; with nothing
 * staged (production) this is the one logger entry, filtered out.
 */
function stagedInitializeMiddlewares(stack: SQSClient['middlewareStack']): Middleware[] {
  const entries: StackEntry[] = [];
  stack.applyToStack({
    add: (middleware: Middleware, options: Omit<StackEntry, 'middleware'>) => entries.push({ ...options, middleware }),
    addRelativeTo: () => undefined,
  } as never);
  return entries
    .filter((entry) => entry.step === 'initialize' && entry.name !== 'loggerMiddleware')
    .sort((a, b) => PRIORITY_WEIGHT[b.priority ?? 'normal'] - PRIORITY_WEIGHT[a.priority ?? 'normal'])
    .map((entry) => entry.middleware);
}

/** The error the SDK's NodeHttpHandler throws when a request's abortSignal fires (same name, message, cause). */
function abortErrorFor(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  const error =
    reason === undefined || reason instanceof Error
      ? new Error('Request aborted', reason ? { cause: reason } : undefined)
      : new Error(String(reason));
  error.name = 'AbortError';
  return error;
}

/** Uint8Array members (binary message attributes) travel as base64, as the SDK's JSON codec writes them. */
function toWireJson(input: unknown): string {
  // A replacer is called for every member, so it is passed only when there is a binary value to convert.
  return JSON.stringify(input, hasBinaryAttribute(input) ? binaryAsBase64 : undefined);
}

function binaryAsBase64(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') : value;
}

/** Whether a SendMessageBatch input carries a binary message attribute (the only binary members the three calls send). */
function hasBinaryAttribute(input: unknown): boolean {
  const entries = (input as { Entries?: { MessageAttributes?: Record<string, WireAttribute> }[] }).Entries;
  for (const entry of entries ?? []) {
    for (const name in entry.MessageAttributes) {
      const attribute = entry.MessageAttributes[name];
      if (attribute?.BinaryValue !== undefined || attribute?.BinaryListValues !== undefined) return true;
    }
  }
  return false;
}

interface WireAttribute {
  BinaryValue?: string | Uint8Array;
  BinaryListValues?: (string | Uint8Array)[];
}

/** A plain Uint8Array, as the SDK's base64 decoder returns (not a Buffer: deep equality with SDK output holds). */
const fromBase64 = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'base64'));

/** Binary attribute values come back as base64; the SDK hands them out as Uint8Array. */
function decodeBinaryAttributes(messages: { MessageAttributes?: Record<string, WireAttribute> }[] | undefined): void {
  for (const message of messages ?? []) {
    for (const attribute of Object.values(message.MessageAttributes ?? {})) {
      if (typeof attribute.BinaryValue === 'string') attribute.BinaryValue = fromBase64(attribute.BinaryValue);
      if (attribute.BinaryListValues) {
        attribute.BinaryListValues = attribute.BinaryListValues.map((value) => (typeof value === 'string' ? fromBase64(value) : value));
      }
    }
  }
}

function metadataOf(response: IncomingMessage) {
  const header = (name: string) => {
    const value = response.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    httpStatusCode: response.statusCode,
    requestId: header('x-amzn-requestid') ?? header('x-amzn-request-id') ?? header('x-amz-request-id'),
    extendedRequestId: header('x-amz-id-2'),
    cfId: header('x-amz-cf-id'),
    attempts: 1,
    totalRetryDelay: 0,
  };
}

/**
 * Sends ReceiveMessage, DeleteMessageBatch and SendMessageBatch of this SDK
 * client by a lean AWS JSON 1.0 path (no middleware stack resolved per send,
 * no serialiser schema walk, endpoint, retry and user-agent middleware, or
 * signer construction per request: about half the client CPU per call), and
 * every other command by the SDK as before.
 *
 * A lean call first runs the middlewares staged in the client's initialize
 * step, as the SDK would: the chaos harness's and the tests' SQS faults and
 * delivery counters and the bench's meters see lean calls as they see SDK
 * calls. (Resolving the SDK's whole stack per send instead cost ~60 µs per
 * call in a profile at saturation: more than the lean request itself.)
 *
 * Retries and errors: a lean call that gets anything but HTTP 200, or a
 * network error or timeout, is sent again by `fallback`, a plain SDK client
 * with the same settings and sockets, which applies its standard retry
 * policy (3 attempts, backoff) and throws its own error objects. So the lean
 * path never needs its own retry policy or error deserialiser, and errors
 * cannot drift from the SDK's (the classifiers in sqs-errors.ts,
 * aws-errors.ts and the reply publisher see the SDK's exact `name`,
 * `$fault`, `Code`). Re-sending is what the SDK's own retry does for the
 * same failures; a 4xx (e.g. a missing queue) costs one extra request on a
 * path that is failing anyway. The staged middlewares run once per call
 * either way. An aborted call is not re-sent: it throws the SDK's AbortError.
 */
export function useLeanSqs(sdk: SQSClient, options: LeanSqsOptions): void {
  let signer: Promise<SigV4Signer> | undefined;
  const signerFor = () => {
    signer ??= sdk.config.region().then((region) => new SigV4Signer(region, 'sqs'));
    return signer;
  };
  const endpoint = options.endpoint ? new URL(options.endpoint) : undefined;
  // Without an endpoint each call goes to its queue URL's origin, parsed once per queue. Producers' ReplyTo
  // queues come and go, so the cache starts over at a bound rather than growing with them.
  const origins = new Map<string, URL>();
  const originOf = (queueUrl: string) => {
    let url = origins.get(queueUrl);
    if (!url) {
      if (origins.size >= MAX_CACHED_QUEUE_URLS) origins.clear();
      url = new URL(queueUrl);
      origins.set(queueUrl, url);
    }
    return url;
  };

  async function sendLean(operation: LeanOperation, input: { QueueUrl?: string }, abortSignal: AbortSignal | undefined): Promise<unknown> {
    const url = endpoint ?? originOf(input.QueueUrl ?? '');
    const [credentials, sign] = await Promise.all([sdk.config.credentials() as Promise<SigningCredentials>, signerFor()]);
    const body = toWireJson(input);
    const headers = sign.sign(
      {
        host: url.host,
        path: '/',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `AmazonSQS.${operation}`,
          // As the SDK sends it: SQS then adds the query protocol's error code (x-amzn-query-error) to errors.
          'x-amzn-query-mode': 'true',
        },
        body,
      },
      credentials,
    );
    headers['content-length'] = String(Buffer.byteLength(body));
    const { response, text } = await post(url, headers, body, abortSignal);
    if (response.statusCode !== 200) throw new LeanSqsAttemptError(`HTTP ${response.statusCode}`);
    const output = (text ? JSON.parse(text) : {}) as Record<string, unknown> & { Messages?: [] };
    if (operation === 'ReceiveMessage') decodeBinaryAttributes(output.Messages);
    return { $metadata: metadataOf(response), ...output };
  }

  function post(url: URL, headers: Record<string, string>, body: string, abortSignal: AbortSignal | undefined) {
    return new Promise<{ response: IncomingMessage; text: string }>((resolve, reject) => {
      if (abortSignal?.aborted) return reject(abortErrorFor(abortSignal));
      const secure = url.protocol === 'https:';
      const request = (secure ? httpsRequest : httpRequest)({
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        path: '/',
        method: 'POST',
        headers,
        agent: secure ? options.agents.https : options.agents.http,
      });
      const onAbort = () => request.destroy(abortErrorFor(abortSignal as AbortSignal));
      abortSignal?.addEventListener('abort', onAbort, { once: true });
      const done = () => abortSignal?.removeEventListener('abort', onAbort);
      request.setTimeout(options.requestTimeoutMs, () => request.destroy(new LeanSqsAttemptError('request timed out')));
      request.on('error', (error) => {
        done();
        reject(
          error.name === 'AbortError' || error instanceof LeanSqsAttemptError
            ? error
            : new LeanSqsAttemptError('network error', { cause: error }),
        );
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => {
          done();
          reject(error.name === 'AbortError' ? error : new LeanSqsAttemptError('network error', { cause: error }));
        });
        response.on('end', () => {
          done();
          resolve({ response, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      request.end(body);
    });
  }

  const sdkSend = sdk.send.bind(sdk) as (command: unknown, options?: unknown, callback?: unknown) => Promise<unknown>;
  const sdkDestroy = sdk.destroy.bind(sdk);
  sdk.destroy = () => {
    sdkDestroy();
    options.fallback.destroy();
  };
  sdk.send = ((command: unknown, sendOptions?: unknown, callback?: unknown) => {
    const operation = leanOperation(command);
    // The callback form is the SDK's, whole: only promise sends of the three calls take the lean path.
    if (!operation || typeof sendOptions === 'function' || callback) return sdkSend(command, sendOptions, callback);
    const typed = command as LeanCommand;
    const abortSignal = (sendOptions as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
    const lean: Handler = async (args) => {
      try {
        return { output: await sendLean(operation, args.input as { QueueUrl?: string }, abortSignal) };
      } catch (error) {
        if (!(error instanceof LeanSqsAttemptError)) throw error;
        // The input as the staged middlewares passed it on (one may have changed it), in a command of the same kind.
        const again = new (typed.constructor as new (input: unknown) => LeanCommand)(args.input);
        return { output: await options.fallback.send(again as never, sendOptions as never) };
      }
    };
    const context = {
      clientName: 'SQSClient',
      commandName: `${operation}Command`,
      __smithy_context: { commandInstance: typed, abortSignal },
    };
    const handler = stagedInitializeMiddlewares(sdk.middlewareStack).reduceRight<Handler>(
      (next, middleware) => middleware(next, context),
      lean,
    );
    return handler({ input: typed.input }).then((result) => result.output);
  }) as SQSClient['send'];
}
