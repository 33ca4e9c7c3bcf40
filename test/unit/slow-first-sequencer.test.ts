import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SLOW_FILES_FIRST } from '../support/slow-first-sequencer.js';

describe('the slow-first test order', () => {
  it('names only files that exist (a renamed slow file would silently start last again)', () => {
    expect(SLOW_FILES_FIRST.filter((path) => !existsSync(path))).toEqual([]);
  });
});
