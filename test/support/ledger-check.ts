import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { recordFromItem, type AppliedRecord, type TransactionRecord } from '../../src/ledger/items.js';
import { formatCents, parseStoredNumber } from '../../src/money/money.js';
import { HISTORY_INDEX } from '../../src/resources/definitions.js';
import type { Wallet } from '../../src/wallet.js';

export interface LedgerReport {
  applied: AppliedRecord[];
  rejected: TransactionRecord[];
  /** Human-readable violations of SPEC rule 6; empty when the ledger is consistent. */
  problems: string[];
}

/**
 * SPEC rule 6, from DynamoDB itself: replaying a user's applied records in
 * ledger order (their version) from the opening balance reproduces every
 * recorded newBalance and ends at the stored balance; no balance is negative.
 */
export async function checkLedger(wallet: Wallet, userId: string, openingBalance: string): Promise<LedgerReport> {
  const records: TransactionRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await wallet.clients.ddb.send(
      new QueryCommand({
        TableName: wallet.config.tables.transactions,
        IndexName: HISTORY_INDEX,
        KeyConditionExpression: 'userId = :userId',
        ExpressionAttributeValues: { ':userId': userId },
        ...(startKey && { ExclusiveStartKey: startKey }),
      }),
    );
    records.push(...(page.Items ?? []).map(recordFromItem));
    startKey = page.LastEvaluatedKey;
  } while (startKey);

  const applied = records.flatMap((record): AppliedRecord[] => (record.status === 'applied' ? [record] : [])).sort((a, b) => a.version - b.version);
  const problems: string[] = [];
  let balance = parseStoredNumber(openingBalance);
  applied.forEach((record, index) => {
    if (record.version !== index + 1) problems.push(`version ${record.version} at position ${index + 1}`);
    balance += record.type === 'credit' ? record.amount : -record.amount;
    if (balance < 0n) problems.push(`negative balance after ${record.idempotentKey}`);
    if (record.newBalance !== balance) {
      problems.push(`${record.idempotentKey} recorded ${formatCents(record.newBalance)}, replay gives ${formatCents(balance)}`);
    }
  });
  const stored = await wallet.getCurrentBalance({ userId });
  if (parseStoredNumber(stored.balance) !== balance) problems.push(`stored balance ${stored.balance}, replay ends at ${formatCents(balance)}`);
  return { applied, rejected: records.filter((record) => record.status === 'rejected'), problems };
}
