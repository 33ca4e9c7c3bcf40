import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/http/build-api.js';
import type { GatewayWallet } from '../../src/http/types.js';

export interface RunningApi {
  baseUrl: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** The gateway on a free port (port 0), reached over real HTTP. */
export async function startApi(wallet: GatewayWallet): Promise<RunningApi> {
  const app = await buildApi({ wallet });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return { baseUrl, app, close: () => app.close() };
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
