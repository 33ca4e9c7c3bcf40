import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.js';
import { startEmbeddedStack, type EmbeddedStack } from '../../src/local-stack/embedded-stack.js';
import { findFreePort } from '../../src/local-stack/ports.js';
import { createLogger } from '../../src/logger.js';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: { sqs: string; dynamodb: string };
    dynamodbPid: number;
  }
}

let stack: EmbeddedStack | undefined;

export async function setup(project: TestProject): Promise<void> {
  const config = loadConfig({
    WALLET_EMBEDDED_SQS_PORT: String(await findFreePort()),
    WALLET_EMBEDDED_DYNAMODB_PORT: String(await findFreePort()),
  });
  stack = await startEmbeddedStack(config, createLogger('warn', 'test-stack'));
  project.provide('endpoints', stack.endpoints);
  project.provide('dynamodbPid', stack.dynamodbPid);
}

export async function teardown(): Promise<void> {
  await stack?.stop();
}
