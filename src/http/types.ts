import type { Wallet } from '../wallet.js';

/**
 * What the gateway needs of a wallet (a narrower type keeps it testable with
 * any real wallet). In a file of its own so that build-api.ts, routes.ts and
 * health.ts all import it without importing each other.
 */
export type GatewayWallet = Pick<
  Wallet,
  | 'publishTransaction'
  | 'getCurrentBalance'
  | 'listTransactions'
  | 'getBalanceAt'
  | 'getStatement'
  | 'streamStatement'
  | 'clients'
  | 'queueUrls'
  | 'config'
  | 'logger'
>;
