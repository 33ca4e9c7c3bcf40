import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCALSTACK_IMAGE } from '../support/localstack-image.js';
import {
  dockerEndpointFrom,
  pingDocker,
  realProbes,
  selectStack,
  StackSelectionError,
  type DockerEndpoint,
  type DockerProbes,
} from '../support/stack-selection.js';

function probes(socket: boolean, answers: boolean, image = true): DockerProbes & { pinged: DockerEndpoint[]; imagesAsked: string[] } {
  const pinged: DockerEndpoint[] = [];
  const imagesAsked: string[] = [];
  return {
    pinged,
    imagesAsked,
    socketExists: async () => socket,
    ping: async (endpoint) => {
      pinged.push(endpoint);
      return answers;
    },
    hasImage: async (_endpoint, name) => {
      imagesAsked.push(name);
      return image;
    },
  };
}

describe('selectStack', () => {
  it('obeys WALLET_TEST_STACK without probing anything', async () => {
    const none = probes(false, false);
    expect((await selectStack({ WALLET_TEST_STACK: 'localstack' }, none)).kind).toBe('localstack');
    expect((await selectStack({ WALLET_TEST_STACK: 'embedded', DOCKER_HOST: 'tcp://d:2375' }, none)).kind).toBe('embedded');
    expect(none.pinged).toEqual([]);
  });

  it('refuses an unknown WALLET_TEST_STACK', async () => {
    await expect(selectStack({ WALLET_TEST_STACK: 'docker' }, probes(true, true))).rejects.toBeInstanceOf(StackSelectionError);
  });

  it('uses the embedded stack without pinging when there is no Docker socket', async () => {
    const noSocket = probes(false, true);
    expect(await selectStack({}, noSocket)).toEqual({ kind: 'embedded', reason: 'no Docker socket at /var/run/docker.sock' });
    expect(noSocket.pinged).toEqual([]);
  });

  it('uses LocalStack when the Docker socket answers the ping', async () => {
    const docker = probes(true, true);
    expect((await selectStack({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, docker)).kind).toBe('localstack');
    expect(docker.pinged).toEqual([{ kind: 'unix', path: '/run/user/1000/docker.sock' }]);
  });

  it('uses the embedded stack when the socket exists but Docker does not answer', async () => {
    expect((await selectStack({}, probes(true, false))).kind).toBe('embedded');
  });

  it('uses the embedded stack when Docker answers but holds no LocalStack image (it would have to pull one)', async () => {
    const noImage = probes(true, true, false);
    const choice = await selectStack({}, noImage);
    expect(choice.kind).toBe('embedded');
    expect(choice.reason).toContain(`has no ${LOCALSTACK_IMAGE} image`);
    expect(choice.reason).toContain('WALLET_TEST_STACK=localstack');
    expect(noImage.imagesAsked).toEqual([LOCALSTACK_IMAGE]);
  });

  it('pings a tcp DOCKER_HOST directly', async () => {
    const docker = probes(false, true);
    expect((await selectStack({ DOCKER_HOST: 'tcp://docker:2375' }, docker)).kind).toBe('localstack');
    expect(docker.pinged).toEqual([{ kind: 'tcp', host: 'docker', port: 2375 }]);
  });

  it('does not try to probe ssh:// hosts', async () => {
    expect(dockerEndpointFrom({ DOCKER_HOST: 'ssh://me@host' })).toBeUndefined();
    expect((await selectStack({ DOCKER_HOST: 'ssh://me@host' }, probes(true, true))).kind).toBe('embedded');
  });
});

describe('pingDocker', () => {
  const servers: Server[] = [];
  let dir: string | undefined;
  afterAll(async () => {
    for (const server of servers) server.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function listenOnSocket(server: Server, name: string): Promise<string> {
    dir ??= await mkdtemp(join(tmpdir(), 'docker-ping-'));
    const path = join(dir, name);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    return path;
  }

  it('is true for a Docker API that answers 200', async () => {
    const path = await listenOnSocket(
      createHttpServer((_request, response) => response.end('OK')),
      'ok.sock',
    );
    expect(await pingDocker({ kind: 'unix', path }, 1_000)).toBe(true);
  });

  it('gives up within its time limit on a socket that accepts but never answers', async () => {
    const path = await listenOnSocket(
      createServer(() => undefined),
      'silent.sock',
    );
    const started = performance.now();
    expect(await pingDocker({ kind: 'unix', path }, 100)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('asks a real Docker API socket for the pinned image, and takes its 404 as absent', async () => {
    const paths: string[] = [];
    const path = await listenOnSocket(
      createHttpServer((request, response) => {
        paths.push(request.url ?? '');
        response.statusCode = request.url === '/_ping' || request.url === '/images/present:1/json' ? 200 : 404;
        response.end();
      }),
      'images.sock',
    );
    const endpoint = { kind: 'unix', path } as const;
    expect(await realProbes.hasImage(endpoint, 'present:1', 1_000)).toBe(true);
    expect(await realProbes.hasImage(endpoint, 'absent:1', 1_000)).toBe(false);
    expect(paths).toEqual(['/images/present:1/json', '/images/absent:1/json']);
  });

  it('is false at once for a socket path nobody listens on', async () => {
    expect(await pingDocker({ kind: 'unix', path: join(tmpdir(), 'no-such-docker.sock') }, 1_000)).toBe(false);
  });
});
