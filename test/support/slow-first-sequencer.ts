import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest (about 70 s down to 10 s each, measured on a
 * 2-core machine) start first, whatever vitest's cache says: a clean clone
 * (CI) has no cache, and vitest would otherwise order by file size, which
 * can start the 70-second chaos file last and leave one worker idle while
 * it runs. Keep the slowest at the top when a file grows.
 */
export const SLOW_FILES_FIRST = [
  'test/integration/chaos.test.ts',
  'test/integration/consumer-package.test.ts',
  'test/integration/cli-usage.test.ts',
  'test/integration/cli-scripts.test.ts',
  'test/integration/localstack-init-script.test.ts',
  'test/integration/process-lifecycle.test.ts',
  'test/integration/embedded-stack.test.ts',
  // About 18 s since its cases run side by side (was 40 s, third).
  'test/integration/failures.test.ts',
  'test/integration/worker-bulkheads.test.ts',
  'test/integration/swagger-ui-browser.test.ts',
  // About 12-16 s since its cases run side by side (was 25-40 s).
  'test/integration/request-reply.test.ts',
  'test/integration/dead-letters.test.ts',
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const index = SLOW_FILES_FIRST.findIndex((path) => spec.moduleId.endsWith(path));
      return index === -1 ? SLOW_FILES_FIRST.length : index;
    };
    // Array.prototype.sort is stable: the files not listed keep vitest's own order after the listed ones.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
