import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { PortInUseError } from '../errors.js';

/**
 * The worker's small operations server: /metrics (Prometheus text),
 * /healthz (the process is alive and its event loop answers) and /readyz
 * (it is polling and the store answered the last probe). Readiness comes
 * from state kept up to date elsewhere: no request makes an AWS call.
 */
export interface Readiness {
  ready: boolean;
  /** What is not ready, for the body of a 503. */
  details: Record<string, unknown>;
}

export interface OpsServerOptions {
  host: string;
  port: number;
  registry?: Registry | undefined;
  readiness: () => Readiness;
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return json(405, { error: 'method not allowed' });
    if (path === '/healthz') return json(200, { status: 'ok' });
    if (path === '/readyz') {
      const readiness = options.readiness();
      return json(readiness.ready ? 200 : 503, { status: readiness.ready ? 'ready' : 'not_ready', ...readiness.details });
    }
    if (path === '/metrics' && options.registry) {
      const registry = options.registry;
      registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': registry.contentType });
          response.end(text);
        },
        () => json(500, { error: 'metrics unavailable' }),
      );
      return;
    }
    json(404, { error: 'not found' });
  });
  // Scrapes and probes are short; never let an idle keep-alive connection hold up a shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new PortInUseError(options.port, 'the metrics and health server', 'WALLET_METRICS_PORT')
          : error,
      ),
    );
    server.listen(options.port, options.host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
