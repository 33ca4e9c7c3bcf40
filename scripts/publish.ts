import { randomUUID } from 'node:crypto';
import { UsageError } from '../src/errors.js';
import { runScript } from './support/run.js';

// `npm publish` (of the package, to a registry) also runs the script named "publish" once it has
// published: sending a command is not part of that.
if (process.env.npm_command === 'publish') process.exit(0);

/**
 * `npm run publish -- --user U --type T [--amount A] [--to U2] [--hold-key K] [--original-key K] [--expires-in S] [--key K] [--timeout-ms N]`:
 * enqueue one command, wait for the reply, print it. The worker's own schema checks the combination.
 */
await runScript(
  {
    usage:
      'npm run publish -- --user <userId> --type credit|debit|transfer|hold|capture|release|reverse [--amount A] [--to U] [--hold-key K] [--original-key K] [--expires-in S] [--key K] [--timeout-ms N]',
    description: `Puts one command on the command queue of the running stack, waits for the worker's reply and prints it.
  --user U          the user whose money moves first (payer, holder, owner of the original)
  --type T          credit, debit, transfer, hold, capture, release or reverse
  --amount A        a decimal string, e.g. 10.00 (credit, debit, transfer, hold; optional for capture and reverse)
  --to U            the recipient of a transfer
  --hold-key K      the key of the hold to capture or release
  --original-key K  the key of the credit, debit, transfer or capture to reverse
  --expires-in S    seconds a hold reserves the money (default 604800)
  --key K           the idempotentKey (default: a new random one)
  --timeout-ms N    how long to wait for the reply (default 30000)`,
    flags: ['user', 'amount', 'type', 'to', 'hold-key', 'original-key', 'expires-in', 'key', 'timeout-ms'],
  },
  ({ flags }) => {
    for (const required of ['user', 'type']) if (!flags.has(required)) throw new UsageError(`missing --${required}`);
    const timeoutMs = Number(flags.get('timeout-ms') ?? 30_000);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout-ms must be a positive whole number, not ${JSON.stringify(flags.get('timeout-ms'))}`);
    const expiresIn = flags.get('expires-in');
    const expiresInSeconds = expiresIn === undefined ? undefined : Number(expiresIn);
    if (expiresInSeconds !== undefined && !Number.isInteger(expiresInSeconds)) throw new UsageError(`--expires-in must be a whole number of seconds, not ${JSON.stringify(expiresIn)}`);
    const optional = (name: string, field: string) => (flags.has(name) ? { [field]: flags.get(name) } : {});
    const command = {
      idempotentKey: flags.get('key') ?? randomUUID(),
      userId: flags.get('user'),
      type: flags.get('type'),
      ...optional('amount', 'amount'),
      ...optional('to', 'toUserId'),
      ...optional('hold-key', 'holdKey'),
      ...optional('original-key', 'originalKey'),
      ...(expiresInSeconds !== undefined && { expiresInSeconds }),
    };
    return { command, timeoutMs };
  },
  async (wallet, { command, timeoutMs }) => {
    const { reply } = await wallet.publishTransaction(command, { waitForReply: true, timeoutMs });
    process.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
  },
);
