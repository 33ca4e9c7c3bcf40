import { SimulatedCrashError } from '../errors.js';
import type { Command } from '../messages/command.js';
import type { WorkerHooks } from '../queue/batch-handler.js';

export interface CrashOptions {
  /** How many deliveries to crash on (default 1); the ones after are handled normally. */
  times?: number;
  /** Which commands to crash on (default: every command). */
  when?(command: Command): boolean;
}

export interface CrashAfterCommit {
  /** Pass to `wallet.startWorker({ hooks })`. */
  hooks: WorkerHooks;
  /** How many deliveries crashed so far. */
  readonly crashes: number;
  /** Resolves once `times` deliveries have crashed. */
  done: Promise<void>;
}

/**
 * A worker that dies between the DynamoDB commit and the reply and delete
 * (SPEC rule 7): the `afterApply` hook throws after the command is committed,
 * so no reply goes out and the message is not deleted; SQS delivers it again
 * (after WALLET_RETRY_BASE_SECONDS, 1 s in the kit's env) and the redelivery
 * must answer the stored outcome with `replayed: true`.
 */
export function crashAfterCommit({ times = 1, when = () => true }: CrashOptions = {}): CrashAfterCommit {
  let crashes = 0;
  let finished = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));
  if (times <= 0) finished();
  return {
    hooks: {
      afterApply(command) {
        if (crashes >= times || !when(command)) return;
        crashes += 1;
        if (crashes === times) finished();
        throw new SimulatedCrashError(command.idempotentKey);
      },
    },
    get crashes() {
      return crashes;
    },
    done,
  };
}
