import { describe, expect, it } from 'vitest';
import { isSupportedNode, nodeSupportLine } from '../../scripts/support/node-support.js';
import { parseScriptArgs, type ScriptHelp } from '../../scripts/support/args.js';
import { UsageError } from '../../src/errors.js';
import { urlHostFor } from '../../src/net/ports.js';

const HISTORY: ScriptHelp = {
  usage: 'npm run history -- <userId> [--limit N]',
  description: '',
  flags: ['limit', 'cursor'],
  switches: ['verbose'],
  positionals: [1, 1],
};

describe('parseScriptArgs', () => {
  it('reads flags with a value (separate or after =), switches and positionals', () => {
    const args = parseScriptArgs(HISTORY, ['u1', '--limit', '5', '--cursor=a=b', '--verbose']);
    expect(args.positionals).toEqual(['u1']);
    expect(Object.fromEntries(args.flags)).toEqual({ limit: '5', cursor: 'a=b' });
    expect([...args.switches]).toEqual(['verbose']);
  });

  it('takes everything after -- as positionals, even when it looks like a flag', () => {
    expect(parseScriptArgs(HISTORY, ['--', '--not-a-flag']).positionals).toEqual(['--not-a-flag']);
  });

  it.each([
    [[], 'missing argument'],
    [['u1', 'u2'], 'unexpected argument "u2"'],
    [['u1', '--limit'], 'missing value for --limit'],
    [['u1', '--limit', '--cursor', 'c'], 'missing value for --limit'],
    [['u1', '--lmit', '5'], 'unknown option --lmit'],
    [['u1', '-x'], 'unknown option -x'],
  ])('refuses %j with a UsageError: %s', (argv, message) => {
    expect(() => parseScriptArgs(HISTORY, argv)).toThrow(new UsageError(message));
  });
});

describe('Node.js support', () => {
  it('supports the LTS lines 20 and 24 only', () => {
    expect(['20.20.2', '24.1.0'].map((version) => isSupportedNode(version))).toEqual([true, true]);
    expect(['18.20.0', '22.3.0', '23.0.0', '25.0.0'].map((version) => isSupportedNode(version))).toEqual([false, false, false, false]);
    expect(nodeSupportLine('v22.3.0')).toBe('running Node.js v22.3.0; supported: Node.js 20 and 24 (LTS)');
  });
});

describe('urlHostFor', () => {
  it('reaches a wildcard listener through loopback and brackets IPv6 addresses', () => {
    expect(urlHostFor('0.0.0.0')).toBe('127.0.0.1');
    expect(urlHostFor('::')).toBe('127.0.0.1');
    expect(urlHostFor('127.0.0.1')).toBe('127.0.0.1');
    expect(urlHostFor('::1')).toBe('[::1]');
    expect(urlHostFor('192.0.2.2')).toBe('192.0.2.2');
  });
});
