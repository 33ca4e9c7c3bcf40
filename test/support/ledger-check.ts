import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { balanceEffect } from '../../src/ledger/effects.js';
import type { AppliedRecord, TransactionRecord } from '../../src/ledger/model.js';
import { recordFromItem } from '../../src/ledger/item-codec.js';
import { formatStored, parseStoredNumber } from '../../src/money/money.js';
import { HISTORY_INDEX } from '../../src/resources/definitions.js';
import type { Wallet } from '../../src/wallet.js';

export interface LedgerReport {
  applied: AppliedRecord[];
  rejected: TransactionRecord[];
  /** Human-readable violations of SPEC rule 6; empty when the ledger is consistent. */
  problems: string[];
}

/**
 * SPEC rule 6, from DynamoDB itself, for `balance` and `held`: replaying a
 * user's applied records in ledger order (their version) from the opening
 * balance reproduces every recorded newBalance and newHeld (holds opened,
 * closed, and expired by each record's time) and ends at the stored balance;
 * available is never negative.
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

  const applied = records
    .flatMap((record): AppliedRecord[] => (record.status === 'applied' ? [record] : []))
    .sort((a, b) => a.version - b.version);
  const problems: string[] = [];
  let balance = parseStoredNumber(openingBalance);
  const openHolds = new Map<string, { amount: bigint; expiresAt: string }>();
  applied.forEach((record, index) => {
    if (record.version !== index + 1) problems.push(`version ${record.version} at position ${index + 1}`);
    balance += balanceEffect(record);
    if (record.type === 'hold' && record.expiresAt)
      openHolds.set(record.idempotentKey, { amount: record.amount, expiresAt: record.expiresAt });
    if ((record.type === 'capture' || record.type === 'release') && record.holdKey) openHolds.delete(record.holdKey);
    const at = Date.parse(record.timestamp);
    const held = [...openHolds.values()].filter((hold) => Date.parse(hold.expiresAt) > at).reduce((sum, hold) => sum + hold.amount, 0n);
    if (balance < 0n) problems.push(`negative balance after ${record.idempotentKey}`);
    if (balance - held < 0n) problems.push(`negative available after ${record.idempotentKey}`);
    if (record.newBalance !== balance)
      problems.push(`${record.idempotentKey} recorded ${formatStored(record.newBalance)}, replay gives ${formatStored(balance)}`);
    if (record.newHeld !== held)
      problems.push(`${record.idempotentKey} recorded held ${formatStored(record.newHeld)}, replay gives ${formatStored(held)}`);
  });
  const stored = await wallet.getCurrentBalance({ userId });
  if (parseStoredNumber(stored.balance) !== balance)
    problems.push(`stored balance ${stored.balance}, replay ends at ${formatStored(balance)}`);
  if (parseStoredNumber(stored.available) < 0n) problems.push(`stored available ${stored.available} is negative`);
  return { applied, rejected: records.filter((record) => record.status === 'rejected'), problems };
}
