import { randomUUID } from 'node:crypto';
import { UsageError } from '../src/errors.js';
import { runScript } from './support/run.js';

// `npm publish` (of the package, to a registry) also runs the script named "publish" once it has
// published: sending a command is not part of that.
if (process.env.npm_command === 'publish') process.exit(0);

/**
 * `npm run publish -- --user U --type T [--amount A] [--currency C] [--to U2] [--hold-key K] [--original-key K] [--expires-in S]
 *   [--metadata JSON] [--note N] [--key K] [--timeout-ms N]`:
 * enqueue one command (a money command or a wallet command), wait for the reply, print it.
 * The worker's own schema checks the combination.
 */
await runScript(
  {
    usage:
      'npm run publish -- --user <userId> --type credit|debit|transfer|hold|capture|release|reverse|open|freeze|unfreeze|close [--amount A] [--currency C] [--to U] [--hold-key K] [--original-key K] [--expires-in S] [--metadata JSON] [--note N] [--key K] [--timeout-ms N]',
    description: `Puts one command on the command queue of the running stack, waits for the worker's reply and prints it.
  --user U          the user whose money moves first (payer, holder, owner of the original), or the wallet opened, frozen or closed
  --type T          credit, debit, transfer, hold, capture, release or reverse; open, freeze, unfreeze or close
  --amount A        a decimal string, e.g. 10.00 (credit, debit, transfer, hold; optional for capture and reverse)
  --currency C      an ISO 4217 code: the new wallet's (open, required); on a money command, it must be the wallet's
  --to U            the recipient of a transfer
  --hold-key K      the key of the hold to capture or release
  --original-key K  the key of the credit, debit, transfer or capture to reverse
  --expires-in S    seconds a hold reserves the money (default 604800)
  --metadata JSON   an open's metadata, a JSON object of strings, e.g. '{"owner":"acme"}'
  --note N          a note on a freeze, unfreeze or close
  --key K           the idempotentKey (default: a new random one)
  --timeout-ms N    how long to wait for the reply (default 30000)`,
    flags: ['user', 'amount', 'type', 'currency', 'to', 'hold-key', 'original-key', 'expires-in', 'metadata', 'note', 'key', 'timeout-ms'],
  },
  ({ flags }) => {
    for (const required of ['user', 'type']) if (!flags.has(required)) throw new UsageError(`missing --${required}`);
    const timeoutMs = Number(flags.get('timeout-ms') ?? 30_000);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
      throw new UsageError(`--timeout-ms must be a positive whole number, not ${JSON.stringify(flags.get('timeout-ms'))}`);
    const expiresIn = flags.get('expires-in');
    const expiresInSeconds = expiresIn === undefined ? undefined : Number(expiresIn);
    if (expiresInSeconds !== undefined && !Number.isInteger(expiresInSeconds))
      throw new UsageError(`--expires-in must be a whole number of seconds, not ${JSON.stringify(expiresIn)}`);
    const optional = (name: string, field: string) => (flags.has(name) ? { [field]: flags.get(name) } : {});
    const command = {
      idempotentKey: flags.get('key') ?? randomUUID(),
      userId: flags.get('user'),
      type: flags.get('type'),
      ...optional('amount', 'amount'),
      ...optional('currency', 'currency'),
      ...optional('to', 'toUserId'),
      ...optional('hold-key', 'holdKey'),
      ...optional('original-key', 'originalKey'),
      ...(expiresInSeconds !== undefined && { expiresInSeconds }),
      ...(flags.has('metadata') && { metadata: metadataFlag(flags.get('metadata') ?? '') }),
      ...optional('note', 'note'),
    };
    return { command, timeoutMs };
  },
  async (wallet, { command, timeoutMs }) => {
    const { reply } = await wallet.publishTransaction(command, { waitForReply: true, timeoutMs });
    process.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
  },
);

/** --metadata as JSON; what it holds (strings, how many, how long) is the command schema's to check. */
function metadataFlag(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--metadata must be a JSON object, e.g. '{"owner":"acme"}', not ${JSON.stringify(text)}`);
  }
}
