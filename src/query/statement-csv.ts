import type { StatementEvent } from './statement.js';

/**
 * A statement as CSV (RFC 4180, CRLF line ends), written line by line as the
 * statement streams: one header line, an `opening` row (at `from`, with the
 * opening balance), one `entry` row per entry, a `closing` row (at `to`, with
 * the period's totals in moneyIn/moneyOut and the closing balance). Every row
 * has the same columns, so the file loads as one table.
 */
export const STATEMENT_CSV_COLUMNS = [
  'row',
  'timestamp',
  'idempotentKey',
  'transactionId',
  'type',
  'amount',
  'moneyIn',
  'moneyOut',
  'balance',
  'currency',
  'toUserId',
  'counterpartyUserId',
] as const;

type Column = (typeof STATEMENT_CSV_COLUMNS)[number];

export const STATEMENT_CSV_MEDIA_TYPE = 'text/csv; charset=utf-8';

export async function* statementCsv(events: AsyncIterable<StatementEvent>): AsyncGenerator<string> {
  yield line(Object.fromEntries(STATEMENT_CSV_COLUMNS.map((column) => [column, column])));
  let currency = '';
  let to = '';
  for await (const event of events) {
    if (event.kind === 'opening') {
      ({ currency, to } = event);
      yield line({ row: 'opening', timestamp: event.from, balance: event.openingBalance, currency });
    } else if (event.kind === 'entry') {
      const { entry } = event;
      yield line({ row: 'entry', ...entry, balance: entry.newBalance, currency });
    } else {
      yield line({
        row: 'closing',
        timestamp: to,
        moneyIn: event.totalIn,
        moneyOut: event.totalOut,
        balance: event.closingBalance,
        currency,
      });
    }
  }
}

function line(values: Partial<Record<Column, string | undefined>>): string {
  return `${STATEMENT_CSV_COLUMNS.map((column) => csvField(values[column] ?? '')).join(',')}\r\n`;
}

/**
 * One field: quoted when it holds a separator, a quote or a line break; and,
 * because keys and user ids are chosen by callers, a value a spreadsheet would
 * run as a formula (starting with = + - @ or a tab/CR) is prefixed with `'`
 * (OWASP "CSV injection"). Amounts are never negative, so no figure is touched.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
