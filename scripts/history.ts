import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT } from '../src/query/history.js';
import { UsageError } from '../src/errors.js';
import { runScript } from './support/run.js';

/** `npm run history -- <userId> [--limit N] [--cursor C]`: newest first. */
await runScript(
  {
    usage: 'npm run history -- <userId> [--limit N] [--cursor C]',
    description: `Prints one page of a user's transactions, newest first, as JSON ({ items, nextCursor? }).
  --limit N    entries per page, 1-${MAX_HISTORY_LIMIT} (default ${DEFAULT_HISTORY_LIMIT})
  --cursor C   the nextCursor of the previous page`,
    flags: ['limit', 'cursor'],
    positionals: [1, 1],
  },
  ({ positionals: [userId = ''], flags }) => {
    const limit = Number(flags.get('limit') ?? DEFAULT_HISTORY_LIMIT);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT)
      throw new UsageError(`--limit must be a whole number from 1 to ${MAX_HISTORY_LIMIT}, not ${JSON.stringify(flags.get('limit'))}`);
    const cursor = flags.get('cursor');
    return { userId, limit, ...(cursor !== undefined && { cursor }) };
  },
  async (wallet, query) => {
    process.stdout.write(`${JSON.stringify(await wallet.listTransactions(query), null, 2)}\n`);
  },
);
