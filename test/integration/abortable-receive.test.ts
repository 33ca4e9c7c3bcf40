import { getEventListeners } from 'node:events';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { withAbortableReceive } from '../../src/queue/abortable-receive.js';
import { useCleanups } from '../support/cleanups.js';

const cleanups = useCleanups();

/**
 * What AbortSignal.any leaves on a source signal: Node records every composite
 * signal made from it (as WeakRefs it never prunes in Node 20), one per call.
 */
function dependantsOf(signal: AbortSignal): number {
  const symbol = Object.getOwnPropertySymbols(signal).find((candidate) => candidate.description === 'kDependantSignals');
  const dependants = symbol === undefined ? undefined : (signal as unknown as Record<symbol, Set<unknown> | undefined>)[symbol];
  return dependants?.size ?? 0;
}

describe('the worker’s abortable receive', () => {
  it('leaves only its one shared listener on the long-lived stop signal however many receives it makes', async () => {
    const wallet = await cleanups.wallet();
    const stop = new AbortController();
    const sqs = withAbortableReceive(wallet.clients.sqs, stop.signal);
    const caller = new AbortController();
    for (let index = 0; index < 200; index++) {
      const options = index % 2 === 0 ? { abortSignal: caller.signal } : undefined;
      await sqs.send(new ReceiveMessageCommand({ QueueUrl: wallet.queueUrls.command, WaitTimeSeconds: 0 }), options);
    }
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(1);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    expect(dependantsOf(stop.signal)).toBe(0);
    expect(dependantsOf(caller.signal)).toBe(0);
  });

  it('holds one listener on the stop signal however many pollers wait at once (64 pollers warned of a leak)', async () => {
    const wallet = await cleanups.wallet();
    const stop = new AbortController();
    const sqs = withAbortableReceive(wallet.clients.sqs, stop.signal);
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    cleanups.defer(() => {
      process.off('warning', onWarning);
    });
    const polls = Array.from({ length: 20 }, () =>
      sqs.send(new ReceiveMessageCommand({ QueueUrl: wallet.queueUrls.command, WaitTimeSeconds: 20 })),
    );
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(1);
    stop.abort();
    for (const poll of polls) await expect(poll).rejects.toMatchObject({ name: 'AbortError' });
    // Node emits the warning on the next tick after the 11th listener.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('ends a long poll as soon as the stop signal aborts', async () => {
    const wallet = await cleanups.wallet();
    const stop = new AbortController();
    const sqs = withAbortableReceive(wallet.clients.sqs, stop.signal);
    const started = Date.now();
    const poll = sqs.send(new ReceiveMessageCommand({ QueueUrl: wallet.queueUrls.command, WaitTimeSeconds: 20 }));
    setImmediate(() => stop.abort());
    await expect(poll).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('still ends a long poll when the caller’s own signal aborts, and refuses to start once stopped', async () => {
    const wallet = await cleanups.wallet();
    const stop = new AbortController();
    const sqs = withAbortableReceive(wallet.clients.sqs, stop.signal);
    const caller = new AbortController();
    const poll = sqs.send(new ReceiveMessageCommand({ QueueUrl: wallet.queueUrls.command, WaitTimeSeconds: 20 }), {
      abortSignal: caller.signal,
    });
    setImmediate(() => caller.abort());
    await expect(poll).rejects.toMatchObject({ name: 'AbortError' });

    stop.abort();
    await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl: wallet.queueUrls.command, WaitTimeSeconds: 20 }))).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
