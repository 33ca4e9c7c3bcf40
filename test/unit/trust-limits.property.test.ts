import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FailureLimiter } from '../../src/http/load-limits.js';
import { replyQueuePolicy } from '../../src/queue/reply-queue-policy.js';
import { isAccessDeniedError, isMissingQueueError } from '../../src/queue/sqs-errors.js';

/** Issue 23: the pure parts behind F5 (failed-authentication budget), F1 (reply queue policy) and F10 (refused sends). */

describe('FailureLimiter (F5)', () => {
  it('blocks a source exactly while it has `limit` failures in its current window, whatever the order of sources and times', () => {
    const step = fc.record({ source: fc.constantFrom('a', 'b', 'c'), advanceMs: fc.integer({ min: 0, max: 400 }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(step, { maxLength: 60 }), (limit, steps) => {
        let now = 0;
        const limiter = new FailureLimiter(limit, 1_000, () => now);
        // The model: each source's window start and count.
        const model = new Map<string, { start: number; count: number }>();
        for (const { source, advanceMs } of steps) {
          now += advanceMs;
          const window = model.get(source);
          const current = window && now < window.start + 1_000 ? window : undefined;
          const blocked = current !== undefined && current.count >= limit;
          expect(limiter.blockedFor(source) > 0).toBe(blocked);
          // As the gateway does: a blocked source is not checked, so it records no failure.
          if (!blocked) {
            limiter.recordFailure(source);
            model.set(source, current ? { ...current, count: current.count + 1 } : { start: now, count: 1 });
          }
        }
      }),
    );
  });

  it('tracks at most maxSources addresses, dropping the oldest, so a flood of addresses cannot grow it', () => {
    const limiter = new FailureLimiter(1, 60_000, () => 0, 3);
    for (const source of ['a', 'b', 'c', 'd']) limiter.recordFailure(source);
    expect(['a', 'b', 'c', 'd'].map((source) => limiter.blockedFor(source) > 0)).toEqual([false, true, true, true]);
  });
});

describe('the reply queue policy (F1)', () => {
  const ARN = 'arn:aws:sqs:us-east-1:111122223333:wallet-replies-gw-0123456789ab';

  it('denies without TLS and reads by others always, and sends by others only when the worker’s ids are known', () => {
    const open = JSON.parse(replyQueuePolicy({ queueArn: ARN, creatorUserId: 'AROAGATEWAY:task-1' })) as { Statement: { Sid: string }[] };
    expect(open.Statement.map((statement) => statement.Sid)).toEqual(['DenyWithoutTls', 'DenyReadToOthers']);
    const closed = JSON.parse(
      replyQueuePolicy({ queueArn: ARN, creatorUserId: 'AROAGATEWAY:task-1', workerSenderIds: ['AROAWORKER', 'AIDAOPS'] }),
    ) as {
      Statement: { Sid: string; Condition: unknown }[];
    };
    expect(closed.Statement.find((statement) => statement.Sid === 'DenySendToOthers')?.Condition).toEqual({
      StringNotLike: { 'aws:userid': ['AROAWORKER', 'AROAWORKER:*', 'AIDAOPS', 'AIDAOPS:*'] },
    });
  });
});

describe('refused sends (F10)', () => {
  it('tells a refusal (the queue or its key denies the caller) from a missing queue and from other faults', () => {
    for (const name of ['AccessDenied', 'AccessDeniedException', 'KmsAccessDenied', 'KMS.AccessDeniedException'])
      expect(isAccessDeniedError({ name }), name).toBe(true);
    for (const name of ['QueueDoesNotExist', 'ThrottlingException', 'InternalError'])
      expect(isAccessDeniedError({ name }), name).toBe(false);
    expect(isMissingQueueError({ name: 'AccessDenied' })).toBe(false);
    expect(isAccessDeniedError(null)).toBe(false);
  });
});
