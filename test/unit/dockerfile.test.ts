import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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
    // The worker runs TypeScript through tsx at run time, so tsx must survive --omit=dev.
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(manifest.dependencies).toHaveProperty('tsx');
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
    expect(argv).toContain('scripts/worker.ts');
    expect(existsSync(join(ROOT, 'scripts/worker.ts'))).toBe(true);
    expect(finalStage.some((i) => i.keyword === 'ENV' && /\bWALLET_STACK=aws\b/.test(i.args))).toBe(true);
  });

  it('runs on a read-only root filesystem: tsx compiles without writing a cache', () => {
    // deploy/worker-service.ts sets ReadonlyRootFilesystem; tsx's cache in /tmp would crash start-up there.
    expect(finalStage.some((i) => i.keyword === 'ENV' && /\bTSX_DISABLE_CACHE=1\b/.test(i.args))).toBe(true);
  });

  it('copies only files that exist and that .dockerignore lets through; keeps secrets and local state out', () => {
    const copied = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copied.length).toBeGreaterThan(0);
    for (const source of copied) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(dockerignore.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)), `${source} is excluded by .dockerignore`).toBe(false);
    }
    for (const excluded of ['node_modules', '.git', '.env', '.dynamodb-data']) expect(dockerignore).toContain(excluded);
  });
});
