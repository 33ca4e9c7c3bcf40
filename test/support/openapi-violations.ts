/**
 * Responses of in-process gateways (startApi) that broke the OpenAPI
 * document, kept until a test's end: openapi-setup.ts fails the test during
 * which they were sent. A plain list in its own module, so the setup file
 * loads no validator.
 */
const violations: string[] = [];

/** Origins of the in-process gateways, whose responses are checked as they are sent; http-client.ts checks the others' as they arrive. */
export const checkedByServer = new Set<string>();

export function recordViolation(violation: string): void {
  violations.push(violation);
}

/** The violations so far, forgotten once taken. */
export function takeViolations(): string[] {
  return violations.splice(0);
}
