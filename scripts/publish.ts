import { randomUUID } from 'node:crypto';
import { runScript, UsageError } from './support/run.js';

/** `npm run publish -- --user U --amount 10.00 --type credit [--key K] [--timeout-ms N]`: enqueue, wait for the reply, print it. */
await runScript(
  {
    usage: 'npm run publish -- --user <userId> --amount <amount> --type credit|debit [--key K] [--timeout-ms N]',
    description: `Puts one command on the command queue of the running stack, waits for the worker's reply and prints it.
  --user U         the user whose balance moves
  --amount A       a decimal string, e.g. 10.00
  --type T         credit or debit
  --key K          the idempotentKey (default: a new random one)
  --timeout-ms N   how long to wait for the reply (default 30000)`,
    flags: ['user', 'amount', 'type', 'key', 'timeout-ms'],
  },
  ({ flags }) => {
    for (const required of ['user', 'amount', 'type']) if (!flags.has(required)) throw new UsageError(`missing --${required}`);
    const timeoutMs = Number(flags.get('timeout-ms') ?? 30_000);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout-ms must be a positive whole number, not ${JSON.stringify(flags.get('timeout-ms'))}`);
    const command = { idempotentKey: flags.get('key') ?? randomUUID(), userId: flags.get('user'), amount: flags.get('amount'), type: flags.get('type') };
    return { command, timeoutMs };
  },
  async (wallet, { command, timeoutMs }) => {
    const { reply } = await wallet.publishTransaction(command, { waitForReply: true, timeoutMs });
    process.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
  },
);
