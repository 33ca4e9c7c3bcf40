import type { STSClient } from '@aws-sdk/client-sts';
import type { Config } from '../config.js';
import { startReplyListener, type ReplyListener, type ReplyListenerDeps } from './reply-listener.js';
import { resolveCallerIdentity } from './reply-queue-policy.js';

export interface OwnReplyListenerDeps extends Omit<ReplyListenerDeps, 'identity' | 'config'> {
  /** Asks who this process is; it stays the caller's to destroy. */
  sts: STSClient;
  config: ReplyListenerDeps['config'] & Pick<Config, 'stack' | 'region' | 'replyQueueSecurity'>;
}

/**
 * How every waiting process (the gateway's wallet, the producer client)
 * starts its reply listener: it asks STS who it is, then creates its queue
 * with the one access policy, KMS key and creator tag of
 * reply-queue-policy.ts, and its listener drops replies from senders that
 * are not the worker's (config.replyQueueSecurity). On AWS a failed look-up
 * stops the start rather than leave the queue open to the account.
 */
export async function startOwnReplyListener({ sts, ...deps }: OwnReplyListenerDeps): Promise<ReplyListener> {
  const identity = await resolveCallerIdentity(sts, deps.config, deps.logger);
  return startReplyListener({ ...deps, ...(identity && { identity }) });
}
