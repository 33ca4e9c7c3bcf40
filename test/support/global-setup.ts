import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.js';
import { startEmbeddedStack } from '../../src/local-stack/embedded-stack.js';
import { findFreePort } from '../../src/net/ports.js';
import { createLogger } from '../../src/logger.js';
import { startLocalStackContainer } from './localstack-container.js';
import { selectStack, type StackKind } from './stack-selection.js';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: { sqs: string; dynamodb: string };
    /** Which stack this run uses (see docs/testing.md). */
    stack: StackKind;
    /** The DynamoDB Local JVM's pid; only on the embedded stack. */
    dynamodbPid?: number;
  }
}

let stop: (() => Promise<void>) | undefined;

/** One stack for the whole run: LocalStack via testcontainers when Docker answers, else the embedded one. */
export async function setup(project: TestProject): Promise<void> {
  // Says which stack a run used; the stack's own chatter only from warnings up.
  const logger = createLogger('info', 'test-stack');
  const choice = await selectStack(process.env);
  logger.info(choice, `integration tests on the ${choice.kind} stack`);
  project.provide('stack', choice.kind);
  if (choice.kind === 'localstack') {
    const container = await startLocalStackContainer();
    stop = container.stop;
    project.provide('endpoints', container.endpoints);
    return;
  }
  const config = loadConfig({
    WALLET_EMBEDDED_SQS_PORT: String(await findFreePort()),
    WALLET_EMBEDDED_DYNAMODB_PORT: String(await findFreePort()),
  });
  const stack = await startEmbeddedStack(config, createLogger('warn', 'test-stack'));
  stop = stack.stop;
  project.provide('endpoints', stack.endpoints);
  project.provide('dynamodbPid', stack.dynamodbPid);
}

export async function teardown(): Promise<void> {
  await stop?.();
}
