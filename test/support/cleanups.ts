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
