import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * The same client, except that ReceiveMessage calls also end when `signal`
 * aborts. sqs-consumer's own abort would cancel deletes of finished messages
 * too; this ends only the long poll, so a stop does not wait up to 20 s.
 */
export function withAbortableReceive(sqs: SQSClient, signal: AbortSignal): SQSClient {
  return new Proxy(sqs, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: unknown, options?: { abortSignal?: AbortSignal }) => {
        if (!(command instanceof ReceiveMessageCommand)) return target.send(command as never, options as never);
        const signals = options?.abortSignal ? [options.abortSignal, signal] : [signal];
        return target.send(command, { ...options, abortSignal: AbortSignal.any(signals) });
      };
    },
  });
}
