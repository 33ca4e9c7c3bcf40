import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TEMPLATE_PATH } from '../../scripts/synth-template.js';

/**
 * cfn-lint validates the committed template against the CloudFormation
 * resource specification (types, allowed values, references, IAM actions).
 * It is a Python tool (`pip install cfn-lint`); where it is not installed the
 * test is skipped and says so. The other template tests run regardless.
 */
const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
const cfnLintVersion = probe.status === 0 ? probe.stdout.trim() : undefined;
if (!cfnLintVersion) {
  console.warn(
    `cfn-lint is not installed (${probe.error?.message ?? probe.stderr?.trim() ?? 'unknown'}): skipping the CloudFormation lint of ${TEMPLATE_PATH}. Install it with \`pip install cfn-lint\`.`,
  );
}

describe('deploy/wallet-worker.yaml under cfn-lint', () => {
  it.skipIf(!cfnLintVersion)(
    'passes without errors or warnings',
    async () => {
      const result = await promisify(execFile)('cfn-lint', ['--format', 'parseable', '--', TEMPLATE_PATH], { encoding: 'utf8' }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code?: number; stdout?: string; stderr?: string }) => ({
          code: error.code ?? -1,
          stdout: `${error.stdout ?? ''}${error.stderr ?? ''}`,
        }),
      );
      console.info(`${cfnLintVersion}: ${result.code === 0 ? 'no findings' : result.stdout}`);
      expect(result.stdout.trim()).toBe('');
      expect(result.code).toBe(0);
    },
    90_000,
  );
});
