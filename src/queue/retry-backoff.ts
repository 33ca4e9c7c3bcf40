import type { Message } from '@aws-sdk/client-sqs';

/**
 * How long a failed command stays invisible before its next delivery:
 * doubling per delivery from `baseSeconds`, capped, so a DynamoDB outage is
 * ridden out instead of burning through maxReceiveCount in seconds. The cap
 * is low because the receive count also counts deliveries that never failed
 * (a crashed worker, an expired visibility timeout).
 */
export function retryDelaySeconds(message: Message, baseSeconds: number, capSeconds = 60): number {
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
  const exponent = Math.max(0, Math.min(20, (Number.isFinite(receiveCount) ? receiveCount : 1) - 1));
  return Math.min(capSeconds, baseSeconds * 2 ** exponent);
}
