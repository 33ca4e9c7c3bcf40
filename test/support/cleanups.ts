import { afterEach } from 'vitest';
import type { Wallet } from '../../src/wallet.js';
import { createTestWallet } from './wallet.js';

/**
 * Per-test teardown: register what a test starts (wallets, proxies,
 * processes) and it is stopped after that test, pass or fail, newest first.
 */
export function useCleanups() {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });
  return {
    defer(cleanup: () => Promise<void> | void): void {
      cleanups.push(cleanup);
    },
    /** A test wallet (own queues on the shared stack) closed after the test. */
    async wallet(overrides: Record<string, string> = {}): Promise<Wallet> {
      const created = await createTestWallet(overrides);
      cleanups.push(() => created.close());
      return created;
    },
  };
}

/**
 * useCleanups for tests that run side by side (describe.concurrent): a list of the test's own, run
 * when that test finishes, newest first. The shared afterEach list would let the first test to end
 * close the wallets and proxies of the tests still running.
 */
export function testCleanups(onTestFinished: (cleanup: () => Promise<void>) => void) {
  const cleanups: (() => Promise<void> | void)[] = [];
  onTestFinished(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });
  return {
    defer(cleanup: () => Promise<void> | void): void {
      cleanups.push(cleanup);
    },
    async wallet(overrides: Record<string, string> = {}): Promise<Wallet> {
      const created = await createTestWallet(overrides);
      cleanups.push(() => created.close());
      return created;
    },
  };
}
