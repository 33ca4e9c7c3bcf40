import { describe, expect, it } from 'vitest';
import { UserStateCache } from '../../src/ledger/user-cache.js';

const user = (userId: string, balance = 0n) => ({ userId, balance, version: 0, holds: new Map() });

describe('UserStateCache', () => {
  it('evicts the least recently used user past its capacity', () => {
    const cache = new UserStateCache(2);
    cache.set(user('a'));
    cache.set(user('b'));
    cache.get('a');
    cache.set(user('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual(user('a'));
    expect(cache.get('c')).toEqual(user('c'));
  });

  it('replaces and forgets entries', () => {
    const cache = new UserStateCache();
    cache.set(user('a', 1n));
    cache.set(user('a', 2n));
    expect(cache.get('a')?.balance).toBe(2n);
    cache.forget('a');
    expect(cache.get('a')).toBeUndefined();
  });
});
