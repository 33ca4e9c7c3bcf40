import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/child-process.js';

const EXAMPLE = join(REPO_ROOT, 'examples', 'consumer-service');
const workDir = mkdtempSync(join(tmpdir(), 'consumer-service-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/**
 * The environment of a user's shell: nothing of this run's npm (npm_config_* would steer the
 * inner npm, e.g. its prefix) or vitest, and no switch that hides the SDK's Node warning.
 */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(npm_|VITEST|NODE_OPTIONS$|NODE_ENV$|AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED$)/i.test(name),
    ),
  );
}

async function run(command: string, args: string[], cwd: string): Promise<string> {
  const child = spawn(command, args, { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  expect(code, `${command} ${args.join(' ')} in ${cwd}:\n${output}`).toBe(0);
  return output;
}

describe('the packed package, used from another project', () => {
  it('installs from its tarball and passes the example service’s redelivery test with plain node (no tsx)', async () => {
    // What a team does: pack (prepack builds dist/), install the tarball into its own project, run its tests.
    cpSync(EXAMPLE, workDir, { recursive: true, filter: (path) => !/node_modules|\.tgz$|package-lock\.json$/.test(path) });
    await run('npm', ['pack', '--pack-destination', workDir, '--loglevel=error'], REPO_ROOT);
    const [tarball] = readdirSync(workDir).filter((name) => /^wallet-worker-.*\.tgz$/.test(name));
    if (!tarball) throw new Error('npm pack wrote no tarball');
    renameSync(join(workDir, tarball), join(workDir, 'wallet-worker.tgz'));
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], workDir);
    const output = await run('npm', ['test'], workDir);
    expect(output.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/Tests\s+1 passed/);
    expect(output).not.toContain('tsx');
    // The library's own clients do not print the SDK's Node-version warning in the user's process.
    expect(output).not.toContain('NodeVersionSupportWarning');
  }, 600_000);
});
