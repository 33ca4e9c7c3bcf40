import { fork } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { killOnExit } from '../../src/local-stack/child-processes.js';

/**
 * A TCP proxy that puts a network's one-way latency on each direction
 * between a client and DynamoDB Local: a request reaches the store
 * `latencyMs` after it was sent, its response the client `latencyMs` after
 * the store answered, so every call costs at least 2 × latencyMs more, as
 * in-region AWS does. A copy of test/support/tcp-proxy.ts's latency part
 * (that one delays responses only, and also cuts and hangs for tests).
 */
export function startProxyServer(target: string, latencyMs: number): Promise<{ server: Server; port: number }> {
  const { hostname, port } = new URL(target);
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) socket.on('error', () => socket.destroy());
    delayed(client, upstream, latencyMs);
    delayed(upstream, client, latencyMs);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    }),
  );
}

/** Copies `from` to `to`, each chunk `latencyMs` later; timers of equal delay fire in order, so chunks keep theirs. */
function delayed(from: Socket, to: Socket, latencyMs: number): void {
  from.on('data', (chunk: Buffer) => setTimeout(() => to.writable && to.write(chunk), latencyMs));
}

export interface LatencyProxy {
  endpoint: string;
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./latency-proxy-process.ts', import.meta.url));

/**
 * Runs the proxy in its own process: the driver also hosts fauxqs, and a busy
 * event loop there would add its own lag to every delayed chunk.
 */
export async function startLatencyProxy(target: string, latencyMs: number): Promise<LatencyProxy> {
  const child = fork(ENTRY, [target, String(latencyMs)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  killOnExit(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`latency proxy exited (${code}) before listening`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
