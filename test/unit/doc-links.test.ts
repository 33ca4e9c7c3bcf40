import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The README is the first screen and a map; every detail lives once in
 * docs/ and is linked. A link that no longer resolves (a file moved, a
 * heading renamed) sends a reader nowhere, so every relative link in
 * README.md and docs/*.md must name an existing file and, for a Markdown
 * target, an existing heading.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README_MAX_LINES = 200;

const documents = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** Fenced blocks hold examples: no headings, no links. */
function withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** Prose without inline code either (`[a](b)` in backticks is an example too). */
function prose(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, '');
}

/** Targets of inline links and images, `[text](target)` and `[text](target "title")`. */
function linkTargets(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1] ?? '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading = ''] of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  // Explicit anchors (<a id="…"> or name="…") count too.
  for (const [, id = ''] of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id);
  return anchors;
}

function brokenLinks(document: string): string[] {
  const path = join(ROOT, document);
  const text = readFileSync(path, 'utf8');
  const broken: string[] = [];
  for (const target of linkTargets(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: … are outside the repository
    const [file = '', anchor] = target.split('#', 2);
    const targetPath = file === '' ? path : resolve(dirname(path), decodeURIComponent(file));
    if (relative(ROOT, targetPath).startsWith('..') || !existsSync(targetPath)) {
      broken.push(`${target}: no such file`);
      continue;
    }
    if (
      anchor &&
      targetPath.endsWith('.md') &&
      statSync(targetPath).isFile() &&
      !headingAnchors(readFileSync(targetPath, 'utf8')).has(anchor)
    ) {
      broken.push(`${target}: no heading #${anchor} in ${relative(ROOT, targetPath)}`);
    }
  }
  return broken;
}

describe('links in README.md and docs/*.md', () => {
  it.each(documents)('%s links only files and headings that exist', (document) => {
    expect(brokenLinks(document)).toEqual([]);
  });

  it('the checker finds links and headings as GitHub does (a check that cannot fail checks nothing)', () => {
    expect(linkTargets('see [a](docs/x.md#y-z) and ![i](img.png "t"), not `[c](code.md)`\n```\n[d](fenced.md)\n```\n')).toEqual([
      'docs/x.md#y-z',
      'img.png',
    ]);
    expect([
      ...headingAnchors('# Request and reply\n## What it guarantees, and the choices\n## `npm run verify`: audit\n## Same\n## Same\n'),
    ]).toEqual(['request-and-reply', 'what-it-guarantees-and-the-choices', 'npm-run-verify-audit', 'same', 'same-1']);
  });
});

describe('README.md', () => {
  it(`is at most ${README_MAX_LINES} lines: the details live in docs/`, () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    expect(lines.length).toBeLessThanOrEqual(README_MAX_LINES);
  });
});
