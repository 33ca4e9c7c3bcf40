import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/support/slow-first-sequencer.js';

/** Files that measure throughput: they run after the rest, alone, so another file's load cannot bend their figures. */
const MEASURED_ALONE = ['test/integration/scale-out.test.ts'];

const common = {
  // A test during which an in-process gateway broke its OpenAPI document fails (test/support/api-server.ts).
  setupFiles: ['test/support/openapi-setup.ts'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
};

export default defineConfig({
  test: {
    // One embedded stack (fauxqs + DynamoDB Local) for the whole run, on free ports, shared by both projects.
    globalSetup: ['test/support/global-setup.ts'],
    projects: [
      {
        // Two files at a time even on two cores: most of a test's time is spent waiting on the
        // emulators, child processes and outages it stages (335 s one at a time, 180 s two at a time).
        test: {
          ...common,
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: MEASURED_ALONE,
          maxWorkers: 2,
          sequence: { groupOrder: 0, sequencer: SlowFirstSequencer },
        },
      },
      {
        test: { ...common, name: 'measured-alone', include: MEASURED_ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
