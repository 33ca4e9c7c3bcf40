import type { Wallet } from '../../src/wallet.js';

/**
 * The first line of a long-running tool that may share a stack: whose stack
 * it uses, so nobody wonders why their users are not there.
 */
export function stackLine(wallet: Wallet, ownStackNote: string): string {
  const { config } = wallet;
  const endpoints = `SQS ${config.endpoints.sqs ?? '(AWS default)'}, DynamoDB ${config.endpoints.dynamodb ?? '(AWS default)'}`;
  if (wallet.startedEmbeddedStack)
    return `no running \`npm start\` found: started an embedded stack of its own (${endpoints}); ${ownStackNote}`;
  if (config.stack === 'embedded') return `sharing the embedded stack of the running \`npm start\` (${endpoints})`;
  return `using the ${config.stack === 'aws' ? 'AWS' : 'configured endpoint'} stack (${endpoints})`;
}
