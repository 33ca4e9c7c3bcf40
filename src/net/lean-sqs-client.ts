import { type Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { type Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { LeanSqsAttemptError } from '../errors.js';
import { type SigningCredentials, SigV4Signer } from './sigv4.js';

export interface LeanSqsOptions {
  /** The configured endpoint (emulators); unset: the origin of each call's queue URL, as `useQueueUrlAsEndpoint` does. */
  endpoint?: string;
  /** The SDK client's own keep-alive agents, so both paths share one pool. */
  agents: { http: Agent; https: HttpsAgent };
  requestTimeoutMs: number;
}

type LeanOperation = 'ReceiveMessage' | 'DeleteMessageBatch' | 'SendMessageBatch';

/** The three hot commands, by the SDK's command name; anything else goes on through the SDK. */
const LEAN_OPERATIONS = new Map<string, LeanOperation>([
  ['ReceiveMessageCommand', 'ReceiveMessage'],
  ['DeleteMessageBatchCommand', 'DeleteMessageBatch'],
  ['SendMessageBatchCommand', 'SendMessageBatch'],
]);

/** The send's abortSignal, where the SDK's Command puts it in the handler context (@smithy/types SMITHY_CONTEXT_KEY). */
function abortSignalOf(context: object): AbortSignal | undefined {
  return (context as { __smithy_context?: { abortSignal?: AbortSignal } }).__smithy_context?.abortSignal;
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
  return JSON.stringify(input, (_key, value: unknown) =>
    value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') : value,
  );
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
 * client by a lean AWS JSON 1.0 path (no serialiser schema walk, endpoint,
 * retry and user-agent middleware, or signer construction per request: about
 * half the client CPU per call), and every other command by the SDK as before.
 *
 * It is a middleware at the end of the `initialize` step, so whatever runs
 * before the SDK's serialiser still runs for lean calls: the chaos harness's
 * and the tests' staged SQS faults (initialize, high priority) and delivery
 * counters, and the bench's meters.
 *
 * Retries and errors: a lean call that gets anything but HTTP 200, or a
 * network error or timeout, goes on down the SDK's own stack (`next`), which
 * applies its standard retry policy (3 attempts, backoff) and throws its own
 * error objects. So the lean path never needs its own retry policy or error
 * deserialiser, and errors cannot drift from the SDK's (the classifiers in
 * sqs-errors.ts, aws-errors.ts and the reply publisher see the SDK's exact
 * `name`, `$fault`, `Code`). Re-sending is what the SDK's own retry does for
 * the same failures; a 4xx (e.g. a missing queue) costs one extra request on
 * a path that is failing anyway. An aborted call is not re-sent: it throws
 * the SDK's AbortError.
 */
export function useLeanSqs(sdk: SQSClient, options: LeanSqsOptions): void {
  let signer: Promise<SigV4Signer> | undefined;
  const signerFor = () => {
    signer ??= sdk.config.region().then((region) => new SigV4Signer(region, 'sqs'));
    return signer;
  };
  const endpoint = options.endpoint ? new URL(options.endpoint) : undefined;

  async function sendLean(operation: LeanOperation, input: { QueueUrl?: string }, abortSignal: AbortSignal | undefined): Promise<unknown> {
    const url = endpoint ?? new URL(input.QueueUrl ?? '');
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

  sdk.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = LEAN_OPERATIONS.get(context.commandName ?? '');
      if (!operation) return next(args);
      try {
        const output = await sendLean(operation, args.input as { QueueUrl?: string }, abortSignalOf(context));
        return { output, response: undefined } as never;
      } catch (error) {
        if (!(error instanceof LeanSqsAttemptError)) throw error;
        return next(args);
      }
    },
    { step: 'initialize', priority: 'low', name: 'leanSqs' },
  );
}
