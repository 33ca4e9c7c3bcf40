import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/http/build-api.js';
import { buildOpenApiDocument } from '../../src/http/openapi.js';
import type { GatewayWallet } from '../../src/http/types.js';
import { OpenApiCheck, type SentResponse } from './openapi-check.js';
import { checkedByServer, recordViolation } from './openapi-violations.js';

export interface RunningApi {
  baseUrl: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * The gateway on a free port (port 0), reached over real HTTP. Every response
 * it sends is held to its OpenAPI document (the one it serves at /docs/json;
 * with the docs off, the same document built in-process): a response that
 * breaks it fails the test that caused it (openapi-setup.ts).
 */
export async function startApi(wallet: GatewayWallet): Promise<RunningApi> {
  const app = await buildApi({ wallet });
  let check: OpenApiCheck | undefined;
  // Added before the gateway is ready, so it runs for every route, the not-found handler and every error.
  app.addHook('onSend', async (request, reply, payload) => {
    const response: SentResponse = {
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      contentType: headerText(reply.getHeader('content-type')),
      body: payload instanceof Readable || payload === null || payload === undefined ? undefined : String(payload),
      headers: Object.fromEntries(Object.entries(reply.getHeaders()).map(([name, value]) => [name.toLowerCase(), headerText(value)])),
    };
    for (const problem of check?.problems(response) ?? [])
      recordViolation(`${response.method} ${response.url} → ${response.status}: ${problem}`);
    return payload;
  });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  check = await OpenApiCheck.for(
    wallet.config.api.docs ? (await app.inject({ method: 'GET', url: '/docs/json' })).json() : buildOpenApiDocument(),
  );
  checkedByServer.add(new URL(baseUrl).origin);
  return { baseUrl, app, close: () => app.close() };
}

export function headerText(value: string | number | string[] | undefined): string | undefined {
  return value === undefined ? undefined : String(Array.isArray(value) ? value[0] : value);
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}
