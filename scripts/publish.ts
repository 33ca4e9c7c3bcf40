import { randomUUID } from 'node:crypto';
import { parseArgs, runScript } from './support/run.js';

/** `npm run publish -- --user U --amount 10.00 --type credit [--key K] [--timeout-ms N]`: enqueue, wait for the reply, print it. */
await runScript(async (wallet) => {
  const { flags } = parseArgs(process.argv.slice(2));
  const command = {
    idempotentKey: flags.get('key') ?? randomUUID(),
    userId: flags.get('user'),
    amount: flags.get('amount'),
    type: flags.get('type'),
  };
  const timeoutMs = Number(flags.get('timeout-ms') ?? 30_000);
  // An embedded stack this script started itself has no worker: run one here for the round trip.
  if (wallet.startedEmbeddedStack) wallet.startWorker({ pollers: 1 });
  const { reply } = await wallet.publishTransaction(command, { waitForReply: true, timeoutMs });
  process.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
});
