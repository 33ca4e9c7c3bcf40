import { access } from 'node:fs/promises';
import { request } from 'node:http';
import { LOCALSTACK_IMAGE } from './localstack-image.js';

/**
 * Which stack the integration suite runs on: LocalStack through testcontainers
 * when a container runtime answers and already holds the pinned LocalStack
 * image (or WALLET_TEST_STACK=localstack), the embedded stack otherwise.
 * Detection must cost milliseconds and never hang a test run, so it only looks
 * for the Docker socket and asks it two questions with a short timeout; it
 * never lets testcontainers go looking for a runtime, or pulling an image
 * (a daemon with no registry in reach would fail the whole run).
 */
export type StackKind = 'embedded' | 'localstack';

export interface StackChoice {
  kind: StackKind;
  /** Why: printed by the global setup so a run says which stack it used. */
  reason: string;
}

export type DockerEndpoint = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export interface DockerProbes {
  socketExists(path: string): Promise<boolean>;
  ping(endpoint: DockerEndpoint, timeoutMs: number): Promise<boolean>;
  hasImage(endpoint: DockerEndpoint, image: string, timeoutMs: number): Promise<boolean>;
}

export const PING_TIMEOUT_MS = 200;
const DEFAULT_SOCKET = '/var/run/docker.sock';

export class StackSelectionError extends Error {
  readonly code = 'invalid_test_stack' as const;
  readonly retryable = false;
}

/** Where the Docker API is, from DOCKER_HOST (unix:// or tcp://) or the default socket. */
export function dockerEndpointFrom(env: NodeJS.ProcessEnv): DockerEndpoint | undefined {
  const host = env.DOCKER_HOST;
  if (!host) return { kind: 'unix', path: DEFAULT_SOCKET };
  if (host.startsWith('unix://')) return { kind: 'unix', path: host.slice('unix://'.length) };
  if (host.startsWith('tcp://')) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    return { kind: 'tcp', host: url.hostname, port: Number(url.port || (env.DOCKER_TLS_VERIFY ? 2376 : 2375)) };
  }
  // ssh:// and npipe:// cannot be pinged cheaply from here; force LocalStack with WALLET_TEST_STACK if wanted.
  return undefined;
}

export async function selectStack(env: NodeJS.ProcessEnv, probes: DockerProbes = realProbes): Promise<StackChoice> {
  const forced = env.WALLET_TEST_STACK;
  if (forced === 'embedded' || forced === 'localstack') return { kind: forced, reason: `WALLET_TEST_STACK=${forced}` };
  if (forced !== undefined && forced !== '' && forced !== 'auto') {
    throw new StackSelectionError(`WALLET_TEST_STACK must be embedded, localstack or auto (got ${JSON.stringify(forced)})`);
  }
  const endpoint = dockerEndpointFrom(env);
  if (!endpoint) return { kind: 'embedded', reason: `DOCKER_HOST ${env.DOCKER_HOST} cannot be probed` };
  if (endpoint.kind === 'unix' && !(await probes.socketExists(endpoint.path))) {
    return { kind: 'embedded', reason: `no Docker socket at ${endpoint.path}` };
  }
  const where = endpoint.kind === 'unix' ? endpoint.path : `${endpoint.host}:${endpoint.port}`;
  if (!(await probes.ping(endpoint, PING_TIMEOUT_MS))) {
    return { kind: 'embedded', reason: `Docker at ${where} does not answer within ${PING_TIMEOUT_MS} ms` };
  }
  if (!(await probes.hasImage(endpoint, LOCALSTACK_IMAGE, PING_TIMEOUT_MS))) {
    return {
      kind: 'embedded',
      reason: `Docker answers at ${where} but has no ${LOCALSTACK_IMAGE} image (docker pull it, or set WALLET_TEST_STACK=localstack to let testcontainers pull it)`,
    };
  }
  return { kind: 'localstack', reason: `Docker answers at ${where} and has ${LOCALSTACK_IMAGE}` };
}

export const realProbes: DockerProbes = {
  async socketExists(path) {
    try {
      await access(path);
      return true;
    } catch {
      return false;
    }
  },
  ping: pingDocker,
  hasImage: (endpoint, image, timeoutMs) => dockerAnswersOk(endpoint, `/images/${image}/json`, timeoutMs),
};

/** GET /_ping on the Docker API; true only for a 200 within the time limit. Never rejects. */
export function pingDocker(endpoint: DockerEndpoint, timeoutMs: number): Promise<boolean> {
  return dockerAnswersOk(endpoint, '/_ping', timeoutMs);
}

/** True only for a 200 to GET `path` on the Docker API within the time limit. Never rejects. */
function dockerAnswersOk(endpoint: DockerEndpoint, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const target = endpoint.kind === 'unix' ? { socketPath: endpoint.path } : { host: endpoint.host, port: endpoint.port };
    const req = request({ ...target, path, method: 'GET', signal: AbortSignal.timeout(timeoutMs) }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}
