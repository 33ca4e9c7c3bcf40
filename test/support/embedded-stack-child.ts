/**
 * Test fixture: a process that starts the embedded stack, prints the JVM's
 * pid, then either idles (to be killed from outside) or crashes.
 */
import { loadConfig } from '../../src/config.js';
import { startEmbeddedStack } from '../../src/local-stack/embedded-stack.js';
import { createLogger } from '../../src/logger.js';

const stack = await startEmbeddedStack(loadConfig(), createLogger('warn'));
process.stdout.write(`DYNAMODB_PID=${stack.dynamodbPid}\n`);
if (process.argv.includes('--crash')) {
  setTimeout(() => {
    throw new Error('simulated crash of the parent process');
  }, 10);
} else {
  setInterval(() => undefined, 60_000);
}
