import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layer order of docs/design.md "Layers", checked against every import
 * under src/ (as TigerBeetle's tidy test checks its tree): the table in the
 * doc is the one definition, so the doc cannot drift from what is enforced.
 */
const ROOT = join(import.meta.dirname, '..', '..');

/** Layers top first, each a list of path prefixes (a file or a folder ending in /). */
function layersFromDesignDoc(): { name: string; paths: string[] }[] {
  const doc = readFileSync(join(ROOT, 'docs', 'design.md'), 'utf8');
  const table = /<!-- layers:begin -->([\s\S]*?)<!-- layers:end -->/.exec(doc)?.[1] ?? '';
  return table
    .split('\n')
    .filter((line) => line.startsWith('|') && !line.startsWith('| Layer') && !line.startsWith('| ---'))
    .map((line) => {
      const [, name = '', paths = ''] = line.split('|').map((cell) => cell.trim());
      return { name, paths: [...paths.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '') };
    });
}

/** Imports the pure core may not reach (see docs/design.md): none, with no exception. */
const SDK_IMPORT = /^@aws-sdk\//;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(ROOT, path)] : [];
  });
}

/** Every module a file imports or re-exports (type-only imports too: they are still a dependency of the reader). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\b[^'";]*?from\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm),
  ];
  return specifiers.map((match) => {
    const specifier = match[1] ?? '';
    return specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, '.ts') : specifier;
  });
}

/** The first path by which `file` imports an SDK module, directly or through other files under src/. */
function reachesSdk(file: string, seen = new Set<string>()): string | undefined {
  if (seen.has(file)) return undefined;
  seen.add(file);
  for (const target of importsOf(file)) {
    if (SDK_IMPORT.test(target)) return `${file} imports ${target}`;
    if (target.startsWith('src/')) {
      const via = reachesSdk(target, seen);
      if (via) return file === target ? via : `${file} → ${via}`;
    }
  }
  return undefined;
}

const layers = layersFromDesignDoc();
const files = sourceFiles(join(ROOT, 'src'));

function layerOf(file: string): number {
  let best = { index: -1, length: -1 };
  layers.forEach(({ paths }, index) => {
    for (const path of paths) {
      const matches = path.endsWith('/') ? file.startsWith(path) : file === path;
      if (matches && path.length > best.length) best = { index, length: path.length };
    }
  });
  return best.index;
}

describe('layers (docs/design.md)', () => {
  it('reads a layer table from docs/design.md', () => {
    expect(layers.length).toBeGreaterThanOrEqual(6);
    expect(layers.every((layer) => layer.paths.length > 0)).toBe(true);
  });

  it('places every source file in a layer', () => {
    expect(files.filter((file) => file.endsWith('.ts') && layerOf(file) === -1)).toEqual([]);
  });

  it('has no import against the layer order', () => {
    const against = files.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('src/') && layerOf(target) < layerOf(file))
        .map((target) => `${file} (${layers[layerOf(file)]?.name}) imports ${target} (${layers[layerOf(target)]?.name})`),
    );
    expect(against).toEqual([]);
  });

  it('keeps the pure core (decide, model) free of SDK imports, directly or through another file', () => {
    const decideLayer = layers.findIndex((layer) => layer.name.startsWith('decide'));
    const modelLayer = decideLayer + 1;
    const pure = files.filter((file) => [decideLayer, modelLayer].includes(layerOf(file)));
    expect(pure).toContain('src/ledger/decide/decide.ts');
    expect(pure).toContain('src/ledger/model.ts');
    expect(pure.map((file) => reachesSdk(file)).filter(Boolean)).toEqual([]);
  });

  it('sees an import against the order when there is one (the check can fail)', () => {
    expect(layerOf('src/http/routes.ts')).toBeLessThan(layerOf('src/queue/worker.ts'));
    expect(layerOf('src/ledger/decide/decide.ts')).toBeGreaterThan(layerOf('src/ledger/engine.ts'));
    expect(layerOf('src/net/ports.ts')).toBe(layers.length - 1);
    expect(reachesSdk('src/query/statement.ts')).toBe('src/query/statement.ts → src/ledger/item-codec.ts imports @aws-sdk/lib-dynamodb');
  });
});
