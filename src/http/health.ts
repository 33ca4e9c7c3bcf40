import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { Health } from './schemas.js';
import type { GatewayWallet } from './types.js';

type CheckResult = Health['status'];

/** A health probe must answer quickly even when a store hangs; the SDK's own timeouts are far longer. */
const CHECK_TIMEOUT_MS = 2_000;

/** Asks each store one cheap question about a resource we need (not just "is the port open"). */
export async function checkHealth(wallet: Pick<GatewayWallet, 'clients' | 'queueUrls' | 'config' | 'logger'>): Promise<Health> {
  const probe = async (name: string, call: (abortSignal: AbortSignal) => Promise<unknown>): Promise<CheckResult> => {
    try {
      await call(AbortSignal.timeout(CHECK_TIMEOUT_MS));
      return 'ok';
    } catch (err) {
      wallet.logger.warn({ err, store: name }, 'health check failed');
      return 'unavailable';
    }
  };
  const [sqs, dynamodb] = await Promise.all([
    probe('sqs', (abortSignal) =>
      wallet.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: wallet.queueUrls.command, AttributeNames: ['QueueArn'] }), {
        abortSignal,
      }),
    ),
    probe('dynamodb', (abortSignal) =>
      wallet.clients.ddb.send(new DescribeTableCommand({ TableName: wallet.config.tables.users }), { abortSignal }),
    ),
  ]);
  return { status: sqs === 'ok' && dynamodb === 'ok' ? 'ok' : 'unavailable', checks: { sqs, dynamodb } };
}
