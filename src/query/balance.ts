import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.js';
import { heldAt } from '../ledger/model.js';
import { exponentOf } from '../money/currencies.js';
import { formatMoney } from '../money/money.js';
import { readUser } from './ledger-reads.js';
import type { Balance } from './result-schemas.js';

export interface QueryDeps {
  ddb: DynamoDBDocumentClient;
  config: Pick<Config, 'tables' | 'defaultCurrency'>;
}

/** What a balance is: one schema (result-schemas.ts), this type inferred from it. */
export type { Balance } from './result-schemas.js';

/** The user's balance as of now (strongly consistent); UserNotFoundError for an unknown user. */
export async function getCurrentBalance(deps: QueryDeps, { userId }: { userId: string }): Promise<Balance> {
  const { user } = await readUser(deps, userId);
  const held = heldAt(user, Date.now());
  const currency = user.currency ?? deps.config.defaultCurrency;
  const money = (mills: bigint) => formatMoney(mills, exponentOf(currency));
  return {
    userId,
    currency,
    status: user.status ?? 'active',
    balance: money(user.balance),
    available: money(user.balance - held),
    held: money(held),
  };
}
