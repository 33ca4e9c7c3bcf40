import { afterAll, afterEach } from 'vitest';
import { takeViolations } from './openapi-violations.js';

/**
 * Every test file: a test during which an in-process gateway sent a response
 * that breaks its OpenAPI document fails (test/support/api-server.ts records
 * them); responses sent in a file's setup or teardown fail the file.
 */
function failOnViolations(): void {
  const violations = takeViolations();
  if (violations.length > 0) throw new Error(`responses that break the OpenAPI document (/docs/json):\n${violations.join('\n')}`);
}

afterEach(failOnViolations);
afterAll(failOnViolations);
