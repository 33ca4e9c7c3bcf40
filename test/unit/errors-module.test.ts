import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the errors module', () => {
  it('holds every error class of src/ and scripts/ (one place to read what can fail)', () => {
    const outside = ['src', 'scripts']
      .flatMap((dir) => sourceFiles(join(ROOT, dir)))
      .filter((path) => relative(ROOT, path) !== join('src', 'errors.ts'))
      .flatMap((path) =>
        [...readFileSync(path, 'utf8').matchAll(/\bclass (\w+) extends (\w*Error)\b/g)].map(
          (match) => `${relative(ROOT, path)}: ${match[1]}`,
        ),
      );
    expect(outside).toEqual([]);
  });

  it('roots every error class at WalletError (a literal code and retryable)', () => {
    const text = readFileSync(join(ROOT, 'src', 'errors.ts'), 'utf8');
    const bases = [...text.matchAll(/\bclass (\w+) extends (\w+)/g)].map((match) => [match[1], match[2]]);
    expect(bases.length).toBeGreaterThan(20);
    expect(bases.filter(([name, base]) => name !== 'WalletError' && base !== 'WalletError')).toEqual([]);
  });
});
