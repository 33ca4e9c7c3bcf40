import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Intake } from '../../src/queue/intake.js';

/** Lets every promise continuation that is ready run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the worker’s intake', () => {
  it('lets receives start while a full batch fits, and no more until a batch is decided', async () => {
    const intake = new Intake(10, 30, 60);
    const stop = new AbortController();
    const admitted: ((received: number) => void)[] = [];
    const polls = Array.from({ length: 5 }, () => intake.admit(stop.signal).then((done) => admitted.push(done)));
    await settle();
    expect(admitted).toHaveLength(3);
    admitted[0]?.(10);
    admitted[1]?.(10);
    admitted[2]?.(4);
    await settle();
    // 24 undecided: no room for another batch of 10.
    expect(admitted).toHaveLength(3);
    intake.decided(10);
    await settle();
    expect(admitted).toHaveLength(4);
    expect(intake.counts).toEqual({ undecided: 14, held: 24, reserved: 10 });
    stop.abort();
    await Promise.allSettled(polls);
  });

  it('counts replies in progress: decided messages not yet finished stop the intake at maxHeld', async () => {
    const intake = new Intake(10, 20, 30);
    const stop = new AbortController();
    for (let i = 0; i < 3; i++) {
      (await intake.admit(stop.signal))(10);
      intake.decided(10);
    }
    let admitted = false;
    const poll = intake.admit(stop.signal).then(() => (admitted = true));
    await settle();
    expect(admitted).toBe(false);
    intake.finished(10);
    await poll;
    expect(admitted).toBe(true);
  });

  it('ends a waiting receive when the worker stops, and refuses to start one after', async () => {
    const intake = new Intake(10, 10, 20);
    const stop = new AbortController();
    (await intake.admit(stop.signal))(10);
    const waiting = intake.admit(stop.signal);
    stop.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await expect(intake.admit(stop.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a failed receive (0 messages) gives its reservation back', async () => {
    const intake = new Intake(10, 10, 20);
    const stop = new AbortController();
    const done = await intake.admit(stop.signal);
    done(0);
    done(0);
    expect(intake.counts).toEqual({ undecided: 0, held: 0, reserved: 0 });
    await intake.admit(stop.signal);
  });

  it('never holds more than its bounds, whatever the order of receives, decisions and finishes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constant('receive' as const), fc.constant('decide' as const), fc.constant('finish' as const)), {
          maxLength: 60,
        }),
        fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 60, maxLength: 60 }),
        async (steps, sizes) => {
          const intake = new Intake(10, 40, 60);
          const stop = new AbortController();
          const pending: ((received: number) => void)[] = [];
          const undecided: number[] = [];
          const decided: number[] = [];
          const polls: Promise<unknown>[] = [];
          for (const [index, step] of steps.entries()) {
            if (step === 'receive') polls.push(intake.admit(stop.signal).then((done) => pending.push(done)));
            await settle();
            if (step === 'receive') {
              const done = pending.shift();
              const size = sizes[index] ?? 0;
              done?.(size);
              if (done) undecided.push(size);
            } else if (step === 'decide' && undecided.length > 0) {
              const size = undecided.shift() as number;
              intake.decided(size);
              decided.push(size);
            } else if (step === 'finish' && decided.length > 0) {
              intake.finished(decided.shift() as number);
            }
            const { undecided: waiting, held, reserved } = intake.counts;
            expect(waiting + reserved).toBeLessThanOrEqual(40);
            expect(held + reserved).toBeLessThanOrEqual(60);
          }
          stop.abort();
          await Promise.allSettled(polls);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('Intake and its stop signal', () => {
  it('listens to a stop signal once however many pollers wait on it (no MaxListenersExceededWarning past ten pollers)', async () => {
    const intake = new Intake(10, 10, 20);
    const stop = new AbortController();
    const first = await intake.admit(stop.signal);
    first(10);
    let listeners = 0;
    const add = stop.signal.addEventListener.bind(stop.signal);
    stop.signal.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => {
      listeners++;
      add(...args);
    }) as AbortSignal['addEventListener'];
    const waiters = Array.from({ length: 12 }, () => intake.admit(stop.signal));
    stop.abort(new Error('stopping'));
    const outcomes = await Promise.allSettled(waiters);
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
    expect(listeners).toBe(1);
  });
});
