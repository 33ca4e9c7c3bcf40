import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../scripts/bench/keyed-lock.js';

describe('KeyedLock', () => {
  it('runs tasks of one key in order, one at a time', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = lock.run('u', async () => {
      events.push('first start');
      await gate;
      events.push('first end');
    });
    const second = lock.run('u', async () => {
      events.push('second');
    });
    const other = lock.run('v', async () => {
      events.push('other key');
    });
    await other;
    expect(events).toEqual(['first start', 'other key']);
    release();
    await Promise.all([first, second]);
    expect(events).toEqual(['first start', 'other key', 'first end', 'second']);
  });

  it('keeps going after a task fails', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('u', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run('u', async () => 'next')).resolves.toBe('next');
  });
});
