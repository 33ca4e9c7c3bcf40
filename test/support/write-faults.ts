import type { Wallet } from '../../src/wallet.js';

/**
 * Makes DynamoDB refuse (as a fault of the request, not an outage) every
 * transaction that carries `idempotentKey`, until `heal()`: a command that
 * keeps failing while the store is healthy, the only kind that may reach the
 * DLQ (SPEC rule 10). Injected at the SDK middleware of this wallet's client.
 */
export function refuseWritesOf(
  wallet: Wallet,
  idempotentKey: string,
  { times = Number.POSITIVE_INFINITY } = {},
): { heal(): void; refused(): number } {
  let refusing = true;
  let refusals = 0;
  wallet.clients.ddb.middlewareStack.add(
    (next, context) => async (args) => {
      const input = JSON.stringify((args as { input?: unknown }).input ?? {});
      if (refusing && refusals < times && context.commandName === 'TransactWriteItemsCommand' && input.includes(idempotentKey)) {
        refusals++;
        throw Object.assign(new Error('injected: the request is refused'), { name: 'ValidationException', $metadata: {} });
      }
      return next(args);
    },
    { step: 'initialize', name: `refuseWritesOf-${idempotentKey}`, priority: 'high' },
  );
  return {
    heal() {
      refusing = false;
    },
    refused: () => refusals,
  };
}
