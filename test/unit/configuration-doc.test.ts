import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvSchema } from '../../src/config.js';
import { CONFIGURATION_DOC, configurationDoc } from '../../scripts/support/config-doc.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('docs/configuration.md', () => {
  it('is what the config schema generates (run `npm run config-table` after changing src/config.ts)', () => {
    expect(readFileSync(join(ROOT, CONFIGURATION_DOC), 'utf8')).toBe(configurationDoc());
  });

  it('has a row for every variable of the schema', () => {
    const doc = configurationDoc();
    for (const name of Object.keys(EnvSchema.shape)) expect(doc, name).toContain(`| \`${name}\` |`);
  });

  it('is where the README sends a reader for configuration', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('](docs/configuration.md)');
  });
});
