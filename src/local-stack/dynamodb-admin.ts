import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer } from 'dynamodb-admin';
import { hostName, isLoopback } from '../net/host-names.js';
import { PortInUseError } from '../errors.js';

export interface DynamoDbAdmin {
  url: string;
  stop(): Promise<void>;
}

/**
 * The DynamoDB Admin UI (the `dynamodb-admin` package, in-process) on
 * 127.0.0.1:port against a local DynamoDB endpoint. It is a local tool only:
 * it uses dummy credentials and must never be pointed at real AWS.
 */
export async function startDynamoDbAdmin(options: { dynamodbEndpoint: string; port: number }): Promise<DynamoDbAdmin> {
  const app = createServer({ dynamoEndpoint: options.dynamodbEndpoint });
  const server: Server = await new Promise((resolve, reject) => {
    const listening = createHttpServer(loopbackHostsOnly(app as RequestListener)).listen(options.port, '127.0.0.1');
    listening.once('listening', () => resolve(listening));
    listening.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(options.port, 'the DynamoDB Admin UI', 'WALLET_DYNAMODB_ADMIN_PORT') : error);
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      // The UI's browsers keep connections alive; close them or close() waits for them.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The UI reads and writes every table without credentials: a web page that
 * rebinds its own DNS name to 127.0.0.1 (DNS rebinding) would reach it with
 * its own name in the Host header. Only loopback names are answered.
 */
function loopbackHostsOnly(app: RequestListener): RequestListener {
  return (request, response) => {
    if (isLoopback(hostName(request.headers.host ?? ''))) return app(request, response);
    response
      .writeHead(403, { 'content-type': 'text/plain' })
      .end('DynamoDB Admin answers loopback host names only (localhost, 127.0.0.1)\n');
  };
}
