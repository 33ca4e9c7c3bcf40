import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { HEALTH_PROBE } from '../../deploy/container-health.js';

const run = promisify(execFile);
const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A stand-in ops server answering /healthz with `status`, on a free port. */
async function opsServer(status: number): Promise<number> {
  const server = createServer((request, response) => {
    response.statusCode = request.url === '/healthz' ? status : 404;
    response.end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** The exit code of the image's (and the task definition's) health probe, run as Docker runs it. */
async function probeExitCode(env: Record<string, string>): Promise<number> {
  try {
    await run(process.execPath, ['-e', HEALTH_PROBE], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 });
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

describe('the container health probe', () => {
  it('follows WALLET_METRICS_PORT when an operator moves the ops server (found by running the image: it probed 9464 and marked a healthy worker unhealthy)', async () => {
    const port = await opsServer(200);
    expect(await probeExitCode({ WALLET_METRICS_PORT: String(port) })).toBe(0);
  });

  it('fails when /healthz does not answer 2xx, or nothing listens', async () => {
    const port = await opsServer(503);
    expect(await probeExitCode({ WALLET_METRICS_PORT: String(port) })).toBe(1);
    const closed = await opsServer(200);
    servers.pop()?.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await probeExitCode({ WALLET_METRICS_PORT: String(closed) })).toBe(1);
  });
});
