import { parseArgs, runScript } from './support/run.js';

/** `npm run history -- <userId> [--limit N] [--cursor C]`: newest first. */
await runScript(async (wallet) => {
  const { flags, positionals } = parseArgs(process.argv.slice(2));
  const [userId] = positionals;
  if (!userId) throw new Error('usage: npm run history -- <userId> [--limit N] [--cursor C]');
  const cursor = flags.get('cursor');
  const page = await wallet.listTransactions({ userId, limit: Number(flags.get('limit') ?? 20), ...(cursor && { cursor }) });
  process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
});
