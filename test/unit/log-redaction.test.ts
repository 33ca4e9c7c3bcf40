import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { userRef } from '../../src/log-redaction.js';
import { createLogger } from '../../src/logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger(level, 'test', { destination }), lines };
}

/** The shape of the worker's per-message log (batch-handler.ts): bindings, then the decision. */
function logADecision(logger: ReturnType<typeof createLogger>) {
  logger.child({ messageId: 'm-1', idempotentKey: 'order-42', userId: 'alice@example.com' }).info(
    {
      status: 'applied',
      newBalance: '74.50',
      replayed: false,
      reply: { amount: '25.50', userId: 'alice@example.com', toUserId: 'bob', available: '74.50', held: '0.00' },
    },
    'command decided',
  );
}

describe('what the logs hold', () => {
  it('hides amounts and balances and pseudonymises user ids at info level', () => {
    const { logger, lines } = capture('info');
    logADecision(logger);
    const [line] = lines;
    expect(line).toMatchObject({
      msg: 'command decided',
      idempotentKey: 'order-42',
      status: 'applied',
      newBalance: '[redacted]',
      userId: userRef('alice@example.com'),
    });
    expect(line?.reply).toEqual({
      amount: '[redacted]',
      userId: userRef('alice@example.com'),
      toUserId: userRef('bob'),
      available: '[redacted]',
      held: '[redacted]',
    });
    const text = JSON.stringify(lines);
    for (const secret of ['alice@example.com', '74.50', '25.50']) expect(text).not.toContain(secret);
  });

  it('gives one user the same stable pseudonym, and different users different ones', () => {
    expect(userRef('alice@example.com')).toBe(userRef('alice@example.com'));
    expect(userRef('alice@example.com')).not.toBe(userRef('bob'));
    expect(userRef('alice@example.com')).toMatch(/^u_[0-9a-f]{16}$/);
  });

  it('keeps everything at debug level, for local troubleshooting', () => {
    const { logger, lines } = capture('debug');
    logADecision(logger);
    expect(lines[0]).toMatchObject({ userId: 'alice@example.com', newBalance: '74.50' });
  });
});
