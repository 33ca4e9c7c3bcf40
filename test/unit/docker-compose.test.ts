import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderLocalStackInitScript } from '../../src/resources/localstack-init.js';
import { LOCALSTACK_IMAGE } from '../support/localstack-image.js';

/**
 * `docker compose config` needs the compose plugin, which this environment
 * lacks; so the file is parsed and its structure checked instead.
 */
interface Service {
  image: string;
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(await readFile('docker-compose.yml', 'utf8')) as { services: Record<string, Service> };
const localstack = compose.services.localstack;
const admin = compose.services['dynamodb-admin'];

describe('docker-compose.yml', () => {
  it('runs LocalStack from the pinned image testcontainers uses, with SQS and DynamoDB on 4566', () => {
    expect(localstack?.image).toBe(LOCALSTACK_IMAGE);
    expect(LOCALSTACK_IMAGE).toMatch(/^localstack\/localstack:\d+\.\d+\.\d+$/);
    expect(localstack?.ports).toContainEqual(expect.stringMatching(/:4566:4566$/));
    expect(localstack?.environment?.SERVICES?.split(',').sort()).toEqual(['dynamodb', 'sqs']);
  });

  it('passes LOCALSTACK_AUTH_TOKEN through from the caller', () => {
    expect(localstack?.environment?.LOCALSTACK_AUTH_TOKEN).toMatch(/^\$\{LOCALSTACK_AUTH_TOKEN(:-)?\}$/);
  });

  it('mounts the generated init scripts and passes through every variable they read', () => {
    expect(localstack?.volumes).toContainEqual(
      expect.stringMatching(/^\.\/localstack\/init\/ready\.d:\/etc\/localstack\/init\/ready\.d(:ro)?$/),
    );
    const read = [...renderLocalStackInitScript().matchAll(/^(WALLET_[A-Z_]+)=/gm)].map((match) => match[1]);
    expect(read.length).toBeGreaterThan(0);
    for (const name of read) expect(localstack?.environment?.[name!]).toBe(`\${${name}:-}`);
  });

  it('is healthy only once the init scripts have completed', () => {
    expect(localstack?.healthcheck?.test.join(' ')).toContain('/_localstack/init/ready');
  });

  it('runs dynamodb-admin on 8001 against LocalStack, after LocalStack is healthy', () => {
    expect(admin?.image).toMatch(/^aaronshaf\/dynamodb-admin:\d+\.\d+\.\d+$/);
    expect(admin?.ports).toContainEqual(expect.stringMatching(/:8001:8001$/));
    expect(admin?.environment?.DYNAMO_ENDPOINT).toBe('http://localstack:4566');
    expect(admin?.depends_on?.localstack?.condition).toBe('service_healthy');
  });
});
