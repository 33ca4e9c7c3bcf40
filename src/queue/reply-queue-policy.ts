import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

/**
 * The access policy a waiting process puts on its own reply queue when it
 * creates it (reply-listener.ts). A reply is trusted by its waiter, so the
 * queue must not take replies from anyone but the worker, nor let anyone
 * but its creator read them, whatever IAM rights others in the account hold
 * (a resource policy's Deny wins over any identity policy's Allow):
 * - every request without TLS is denied;
 * - SendMessage is denied to everyone but the worker, when its ids are
 *   configured (WALLET_WORKER_SENDER_IDS: a role id covers every session);
 * - reading, deleting, and changing the queue's policy or permissions are
 *   denied to everyone but the creator's own user id (`aws:userid`, the
 *   caller's role id and session, from STS GetCallerIdentity).
 * Deleting the queue stays possible for other waiters: the sweep of
 * abandoned queues needs it, and deleting a queue forges nothing.
 */
export interface CallerIdentity {
  partition: string;
  /** Where its queues are (the client's region). */
  region: string;
  account: string;
  /** `aws:userid`: `AROA…:<session>` for a role, `AIDA…` for a user. */
  userId: string;
}

const READ_AND_MANAGE = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:PurgeQueue',
  'sqs:SetQueueAttributes',
  'sqs:AddPermission',
  'sqs:RemovePermission',
];

export function replyQueueArn(identity: CallerIdentity, queueName: string): string {
  return `arn:${identity.partition}:sqs:${identity.region}:${identity.account}:${queueName}`;
}

export function replyQueuePolicy({
  queueArn,
  creatorUserId,
  workerSenderIds,
}: {
  queueArn: string;
  creatorUserId: string;
  workerSenderIds?: readonly string[];
}): string {
  const deny = (sid: string, action: string | string[], condition: Record<string, unknown>) => ({
    Sid: sid,
    Effect: 'Deny',
    Principal: '*',
    Action: action,
    Resource: queueArn,
    Condition: condition,
  });
  const statements = [
    deny('DenyWithoutTls', 'sqs:*', { Bool: { 'aws:SecureTransport': 'false' } }),
    ...(workerSenderIds && workerSenderIds.length > 0
      ? [deny('DenySendToOthers', 'sqs:SendMessage', { StringNotLike: { 'aws:userid': workerSenderIds.flatMap((id) => [id, `${id}:*`]) } })]
      : []),
    deny('DenyReadToOthers', READ_AND_MANAGE, { StringNotEquals: { 'aws:userid': creatorUserId } }),
  ];
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/**
 * Who this process is, for its reply queue's policy and creator tag. On AWS
 * a failure stops the listener's start (a queue without its policy would
 * be open to the account); on an emulator without STS the queue is created
 * without a policy (emulators enforce none anyway), and that is logged.
 */
export async function resolveCallerIdentity(
  sts: STSClient,
  config: Pick<Config, 'stack' | 'region'>,
  logger: Logger,
): Promise<CallerIdentity | undefined> {
  try {
    const { Arn, Account, UserId } = await sts.send(new GetCallerIdentityCommand({}));
    const partition = Arn?.split(':')[1];
    if (!partition || !Account || !UserId)
      throw new Error(`GetCallerIdentity answered without ${!Arn ? 'Arn' : !Account ? 'Account' : 'UserId'}`);
    return { partition, region: config.region, account: Account, userId: UserId };
  } catch (err) {
    if (config.stack === 'aws') throw err;
    logger.info({ err }, 'no caller identity from this endpoint (no STS): reply queues are created without an access policy');
    return undefined;
  }
}
