import { randomUUID } from 'node:crypto';
import { NumberValue, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { HistoryEntry } from '../../src/query/history.js';
import type { Wallet } from '../../src/wallet.js';

/** A wallet as seeding and other tools write it, created at `createdAt` (default: an hour ago). */
export async function createUserAt(
  wallet: Wallet,
  balance: string,
  createdAt = new Date(Date.now() - 3_600_000).toISOString(),
): Promise<string> {
  const userId = `user-${randomUUID()}`;
  await wallet.clients.ddb.send(
    new PutCommand({
      TableName: wallet.config.tables.users,
      Item: { userId, balance: NumberValue.from(balance), createdAt, updatedAt: createdAt },
    }),
  );
  return userId;
}

/** A user's whole history, oldest first (the history query pages newest first). */
export async function historyOldestFirst(wallet: Wallet, userId: string): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await wallet.listTransactions({ userId, limit: 100, ...(cursor && { cursor }) });
    entries.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return entries.reverse();
}

/** Cents of a decimal string of the service (two fractional digits today; exact, no float). */
export function cents(text: string): bigint {
  const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2));
  return text.startsWith('-') ? -value : value;
}

/** The millisecond prefix of a stored timestamp (`…SS.mmm`): below every entry of that millisecond. */
export function msPrefix(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23);
}
