import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * The same client, except that ReceiveMessage calls also end when `signal`
 * aborts. sqs-consumer's own abort would cancel deletes of finished messages
 * too; this ends only the long poll, so a stop does not wait up to 20 s.
 */
/** Waits until a receive may start (see intake.ts); the function it returns is told how many messages came back. */
export type ReceiveGate = (signal: AbortSignal) => Promise<(received: number) => void>;

export function withAbortableReceive(sqs: SQSClient, signal: AbortSignal, gate?: ReceiveGate): SQSClient {
  // One listener on the stop signal for all receives: one each made Node warn of a leak
  // past 10 pollers (MaxListenersExceededWarning), though each was removed after its call.
  const receives = new Set<AbortController>();
  forwardAbort(signal, {
    abort: (reason) => {
      for (const receive of receives) receive.abort(reason);
    },
  });
  return new Proxy(sqs, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown, options?: { abortSignal?: AbortSignal }) => {
        if (!(command instanceof ReceiveMessageCommand)) return target.send(command as never, options as never);
        const returned = await gate?.(signal);
        // Not AbortSignal.any: Node 20 keeps a record of every signal it composes on its
        // sources, so a poller on one long-lived signal grew by one per receive.
        const receive = new AbortController();
        if (signal.aborted) receive.abort(signal.reason);
        receives.add(receive);
        const detach = options?.abortSignal ? forwardAbort(options.abortSignal, receive) : () => undefined;
        let received = 0;
        try {
          const output = await target.send(command, { ...options, abortSignal: receive.signal });
          received = output.Messages?.length ?? 0;
          return output;
        } finally {
          receives.delete(receive);
          detach();
          returned?.(received);
        }
      };
    },
  });
}

/** Aborts `target` when `source` does, until the returned function removes the listener. */
function forwardAbort(source: AbortSignal, target: Pick<AbortController, 'abort'>): () => void {
  if (source.aborted) {
    target.abort(source.reason);
    return () => undefined;
  }
  const onAbort = () => target.abort(source.reason);
  source.addEventListener('abort', onAbort, { once: true });
  return () => source.removeEventListener('abort', onAbort);
}
