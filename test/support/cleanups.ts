import { afterEach } from 'vitest';
import type { Wallet } from '../../src/wallet.js';
import { createTestWallet } from './wallet.js';

type Cleanup = () => Promise<void> | void;

/** A list of what a test started, run newest first by whatever `runAt` hooks it to. */
function cleanupList(runAt: (run: () => Promise<void>) => void) {
  const cleanups: Cleanup[] = [];
  runAt(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });
  return {
    defer(cleanup: Cleanup): void {
      cleanups.push(cleanup);
    },
    /** A test wallet (own queues on the shared stack) closed with the rest. */
    async wallet(overrides: Record<string, string> = {}): Promise<Wallet> {
      const created = await createTestWallet(overrides);
      cleanups.push(() => created.close());
      return created;
    },
  };
}

/**
 * Per-test teardown: register what a test starts (wallets, proxies,
 * processes) and it is stopped after that test, pass or fail, newest first.
 */
export function useCleanups() {
  return cleanupList(afterEach);
}

/**
 * useCleanups for tests that run side by side (describe.concurrent): a list of the test's own, run
 * when that test finishes, newest first. The shared afterEach list would let the first test to end
 * close the wallets and proxies of the tests still running.
 */
export function testCleanups(onTestFinished: (cleanup: () => Promise<void>) => void) {
  return cleanupList(onTestFinished);
}
