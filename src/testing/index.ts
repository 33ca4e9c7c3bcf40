/**
 * `wallet-worker/testing`: a kit for proving, in your own test suite, that
 * at-least-once delivery is safe (docs/testing.md, "Testing your service").
 * Runner-agnostic: it throws on failure and needs no vitest or jest API.
 */
export { startTestStack, type TestStack, type TestStackOptions } from './test-stack.js';
export { findFreePort } from '../net/ports.js';
export { EmbeddedStackPackageMissingError, OneEffectError, PortInUseError, SimulatedCrashError } from '../errors.js';
export { seedWallet, type SeedWalletOptions } from './seed-wallet.js';
export { deliver, type DeliverOptions } from './deliver.js';
export { crashAfterCommit, type CrashAfterCommit, type CrashOptions } from './crash-after-commit.js';
export { ReplyCollector, type CollectedReply } from './reply-collector.js';
export { checkOneEffect, expectOneEffect, type OneEffectExpectation } from './one-effect.js';
export type { WorkerHooks } from '../queue/batch-handler.js';
