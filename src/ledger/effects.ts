import type { TransactionType } from '../messages/command.js';
import type { Cents } from '../money/money.js';

/**
 * How an applied record moved its user's posted balance: what replaying a
 * user's ledger (SPEC rule 6) adds, record by record. Pure, shared by the
 * audit and the tests, so "the effect of a record" is written once.
 */
export function balanceEffect(record: {
  type: TransactionType;
  amount: Cents;
  legOf?: string | undefined;
  originalType?: TransactionType | undefined;
}): Cents {
  const { amount } = record;
  const isLeg = record.legOf !== undefined;
  switch (record.type) {
    case 'credit':
      return amount;
    case 'debit':
    case 'capture':
      return -amount;
    case 'transfer':
      return isLeg ? amount : -amount;
    case 'hold':
    case 'release':
    case 'open':
    case 'freeze':
    case 'unfreeze':
    case 'close':
      return 0n;
    case 'reverse':
      // Money goes back the way it came: a reversed credit is taken back, a debit or capture refunded,
      // a transfer returned from the recipient (the leg) to the payer.
      if (record.originalType === 'credit') return -amount;
      if (record.originalType === 'transfer') return isLeg ? -amount : amount;
      return amount;
  }
}
