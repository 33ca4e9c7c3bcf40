import { once } from 'node:events';
import { statementCsv } from '../src/query/statement-csv.js';
import type { StatementEvent } from '../src/query/statement.js';
import { InstantSchema } from '../src/query/statement-schemas.js';
import { UsageError } from '../src/errors.js';
import { runScript } from './support/run.js';

const FORMATS = ['json', 'csv'] as const;
type Format = (typeof FORMATS)[number];

/** `npm run statement -- <userId> --from <instant> --to <instant> [--format json|csv]` */
await runScript(
  {
    usage: 'npm run statement -- <userId> --from <instant> --to <instant> [--format json|csv]',
    description: `Prints a user's statement of the period [from, to): the opening balance, every applied entry
decided in it (oldest first, each with its balance after it), the totals in and out, the closing balance.
Streamed a page at a time, so any period can be printed.
  --from T     start of the period (inclusive), ISO 8601 with a zone, e.g. 2026-12-01T00:00:00Z
  --to T       end of the period (exclusive)
  --format F   json (default: { userId, currency, from, to, openingBalance, entries, closingBalance, totalIn, totalOut })
               or csv (a header line, then rows: opening, one per entry, closing)`,
    flags: ['from', 'to', 'format'],
    positionals: [1, 1],
  },
  ({ positionals: [userId = ''], flags }) => {
    const instant = (name: string) => {
      const value = flags.get(name);
      if (value === undefined) throw new UsageError(`--${name} is required`);
      if (!InstantSchema.safeParse(value).success)
        throw new UsageError(`--${name} must be an ISO 8601 instant with a zone (e.g. 2026-12-01T00:00:00Z), not ${JSON.stringify(value)}`);
      return value;
    };
    const format = flags.get('format') ?? 'json';
    if (!(FORMATS as readonly string[]).includes(format))
      throw new UsageError(`--format must be json or csv, not ${JSON.stringify(format)}`);
    return { userId, from: instant('from'), to: instant('to'), format: format as Format };
  },
  async (wallet, { format, ...period }) => {
    const events = wallet.streamStatement(period);
    for await (const text of format === 'csv' ? statementCsv(events) : statementJson(events)) await write(text);
  },
);

/** The statement as one JSON document, written as its events arrive (one entry per line). */
async function* statementJson(events: AsyncIterable<StatementEvent>): AsyncGenerator<string> {
  let first = true;
  for await (const event of events) {
    if (event.kind === 'opening') {
      const { kind: _kind, ...header } = event;
      yield `${JSON.stringify(header).slice(0, -1)},"entries":[`;
    } else if (event.kind === 'entry') {
      yield `${first ? '' : ','}\n  ${JSON.stringify(event.entry)}`;
      first = false;
    } else {
      const { kind: _kind, ...figures } = event;
      yield `${first ? '' : '\n'}],${JSON.stringify(figures).slice(1)}\n`;
    }
  }
}

/** Writes to stdout, waiting while its buffer is full (a long statement piped to a slow reader). */
async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}
