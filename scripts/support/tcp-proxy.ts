import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real emulator, to take it "off the network" and
 * back without touching its state (the outage is real to the SDK), or to put
 * a network's latency between a client and it. Used by the integration tests
 * and by the chaos harness's outage phases.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private down = false;
  private hanging = false;
  private readonly held: Socket[] = [];
  refusedConnections = 0;
  /** Connections accepted while hanging (each one a request that will never be answered). */
  hungConnections = 0;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  /** `latencyMs` delays every response chunk, as a network between the worker and the store would. */
  static async start(target: string, { latencyMs = 0 }: { latencyMs?: number } = {}): Promise<TcpProxy> {
    const { hostname, port } = new URL(target);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const proxy = new TcpProxy(server, `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    server.on('connection', (client) => {
      if (proxy.down) {
        proxy.refusedConnections++;
        client.destroy();
        return;
      }
      if (proxy.hanging) {
        // Accepted, never answered: the store "hangs" (requests wait for their own timeouts).
        proxy.held.push(client);
        proxy.hungConnections++;
        client.on('error', () => client.destroy());
        return;
      }
      const upstream = connect(Number(port), hostname);
      for (const socket of [client, upstream]) {
        proxy.sockets.add(socket);
        socket.on('close', () => proxy.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream);
      if (latencyMs > 0) {
        // Timers of equal delay fire in the order they were set, so chunks keep their order.
        upstream.on('data', (chunk: Buffer) => setTimeout(() => client.writable && client.write(chunk), latencyMs));
      } else {
        upstream.pipe(client);
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    return proxy;
  }

  /** Drops every open connection and refuses new ones until restore(). */
  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  /** Keeps accepting connections but answers nothing (a hung store) until restore(). */
  hang(): void {
    this.hanging = true;
    for (const socket of this.sockets) socket.destroy();
  }

  /**
   * Serves new connections again. The connections accepted while hanging are
   * reset (a peer that restarted), or with `resetHung: false` left open and
   * silent for good (a path that died during the hang): a client must not
   * wait on them forever.
   */
  restore({ resetHung = true }: { resetHung?: boolean } = {}): void {
    this.down = false;
    this.hanging = false;
    if (resetHung) for (const socket of this.held.splice(0)) socket.destroy();
  }

  async close(): Promise<void> {
    this.cut();
    for (const socket of this.held.splice(0)) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
