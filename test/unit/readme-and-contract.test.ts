import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * docs/contract.md is the contract inside the repository (a clone has no
 * ../shared). Where the team's SPEC.md sits beside the checkout (developer
 * machines and CI clone both), the copy must be equal to it, after its
 * two-line header.
 */
const CONTRACT = fileURLToPath(new URL('../../docs/contract.md', import.meta.url));
const SHARED_SPEC = fileURLToPath(new URL('../../../shared/SPEC.md', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const MESSAGES = fileURLToPath(new URL('../../docs/messages.md', import.meta.url));

function contractBody(): string {
  const text = readFileSync(CONTRACT, 'utf8');
  // Everything after the header comment and the blank line that follows it.
  return text.slice(text.indexOf('-->\n\n') + '-->\n\n'.length);
}

describe('docs/contract.md', () => {
  it('is the SPEC word for word where ../shared/SPEC.md exists, and a complete contract either way', () => {
    const body = contractBody();
    if (existsSync(SHARED_SPEC)) expect(body).toBe(readFileSync(SHARED_SPEC, 'utf8'));
    expect(body).toMatch(/^# Wallet worker: the contract\n/);
    for (let rule = 1; rule <= 12; rule++) expect(body).toMatch(new RegExp(`^${rule}\\. \\*\\*`, 'm'));
  });

  it('is what the README links to, with no link outside the repository', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toContain('](docs/contract.md)');
    expect(readme).not.toMatch(/\]\(\.\.\//);
  });
});

describe('the plain-SDK producer example in docs/messages.md', () => {
  it('is scripts/examples/producer.ts, which the integration tests run against the embedded stack', () => {
    const example = readFileSync(fileURLToPath(new URL('../../scripts/examples/producer.ts', import.meta.url)), 'utf8');
    expect(readFileSync(MESSAGES, 'utf8')).toContain(`\`\`\`ts\n${example}\`\`\``);
  });
});

describe("the README's first example", () => {
  it('is examples/consumer-service/quick-start.ts, which the packed-package test type-checks against the package', () => {
    const example = readFileSync(fileURLToPath(new URL('../../examples/consumer-service/quick-start.ts', import.meta.url)), 'utf8');
    expect(readFileSync(README, 'utf8')).toContain(`\`\`\`ts\n${example}\`\`\``);
  });
});
