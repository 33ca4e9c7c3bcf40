import { replyQueuePrefix } from '../src/queue/reply-routing.js';
import { NO_VALUE, ref, sub, TEMPLATE_CONFIG, type Cfn, type Resource } from './cfn.js';
import { KMS_CONDITION } from './encryption.js';
import { IAM_ACTIONS_BY_COMMAND, WORKER_CALL_SITES } from './worker-permissions.js';

/**
 * Request and reply on AWS (SPEC "Request and reply"): the queues a waiting
 * process creates are named `<reply queue>-gw-<random>`, so IAM can scope
 * both sides by name. The worker may send replies to every queue under the
 * reply queue's name (its task role, ReplyQueuePrefix); a process that waits
 * (the HTTP gateway, a producer calling publishTransaction with waitForReply)
 * gets ReplyWaiterPolicy: the calls of src/queue/reply-listener.ts on the
 * `-gw-` queues it created itself (tag `wallet:creator` = its own
 * `aws:userid`), never on another waiter's or the shared reply queue.
 */
const LISTENER_FILE = 'src/queue/reply-listener.ts';

/** `arn:…:<ResourcePrefix><reply queue name without .fifo><after>*`: standard and FIFO names alike. */
export function replyQueuesArn(after = ''): Cfn {
  return sub(
    `arn:\${AWS::Partition}:sqs:\${AWS::Region}:\${AWS::AccountId}:\${ResourcePrefix}${replyQueuePrefix(TEMPLATE_CONFIG.queues.reply)}${after}*`,
  );
}

/** SQS actions that support no resource-level permission: they need Resource "*". */
const ACCOUNT_WIDE_ACTIONS = new Set(['sqs:ListQueues']);

/** Every IAM action the reply listener's SDK calls need, from the call sites the permission test derives from the code. */
export function replyListenerActions(): string[] {
  const commands = Object.keys(WORKER_CALL_SITES)
    .filter((site) => site.startsWith(`${LISTENER_FILE}#`))
    .map((site) => site.slice(site.indexOf('#') + 1));
  return [...new Set(commands.flatMap((command) => IAM_ACTIONS_BY_COMMAND[command] ?? []))].sort();
}

/** Tags the reply listener puts on its queue at creation (src/queue/reply-listener.ts). */
const OWNER_TAG = 'wallet:reply-listener';
const CREATOR_TAG = 'wallet:creator';
/** IAM's policy variable: the caller's user id (`AROA…:<session>` for a role); not a CloudFormation one. */
const CALLER = '${aws:userid}';

/**
 * Which listener actions each statement grants: on the queues the caller
 * created (tagged with its own user id), at creation (only with that tag),
 * on abandoned queues of other waiters (the sweep: read their tags, delete
 * them, never read their messages), and account-wide.
 */
const SCOPES = {
  own: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:TagQueue'],
  create: ['sqs:CreateQueue', 'sqs:TagQueue'],
  sweep: ['sqs:ListQueueTags', 'sqs:DeleteQueue'],
  account: [...ACCOUNT_WIDE_ACTIONS],
};

export function replyWaiterResources(): Record<string, Resource> {
  const actions = replyListenerActions();
  // A new SDK call of the listener must be given a scope here before the template can be built.
  const scoped = new Set(Object.values(SCOPES).flat());
  const unscoped = actions.filter((action) => !scoped.has(action));
  if (unscoped.length > 0) throw new Error(`reply-waiter-policy.ts: no scope for the reply listener's ${unscoped.join(', ')}`);
  const only = (list: string[]) => list.filter((action) => actions.includes(action));
  return {
    ReplyWaiterPolicy: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        Description:
          'Attach to the role of a process that waits for replies (the HTTP gateway, publishTransaction with waitForReply): the reply queues it creates and deletes at run time',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'CreateOwnReplyQueues',
              Effect: 'Allow',
              Action: only(SCOPES.create),
              Resource: replyQueuesArn('-gw-'),
              // Tagged with the caller's own id, and only on a queue that has no creator yet (never re-tag another's).
              Condition: {
                StringEquals: { [`aws:RequestTag/${CREATOR_TAG}`]: CALLER },
                Null: { [`aws:ResourceTag/${CREATOR_TAG}`]: 'true' },
              },
            },
            {
              Sid: 'OwnReplyQueues',
              Effect: 'Allow',
              Action: only(SCOPES.own),
              Resource: replyQueuesArn('-gw-'),
              Condition: { StringEquals: { [`aws:ResourceTag/${CREATOR_TAG}`]: CALLER } },
            },
            {
              Sid: 'SweepAbandonedReplyQueues',
              Effect: 'Allow',
              Action: only(SCOPES.sweep),
              Resource: replyQueuesArn('-gw-'),
              Condition: { StringEquals: { [`aws:ResourceTag/${OWNER_TAG}`]: 'true' } },
            },
            // The sweep lists them by name prefix; ListQueues has no resource-level scope.
            { Sid: 'FindAbandonedReplyQueues', Effect: 'Allow', Action: only(SCOPES.account), Resource: '*' },
            {
              'Fn::If': [
                KMS_CONDITION,
                // Reply queues are encrypted with the stack's key when there is one (WALLET_REPLY_QUEUE_KMS_KEY).
                {
                  Sid: 'DecryptReplies',
                  Effect: 'Allow',
                  Action: ['kms:Decrypt'],
                  Resource: ref('KmsKeyArn'),
                  Condition: { StringEquals: { 'kms:ViaService': sub('sqs.${AWS::Region}.amazonaws.com') } },
                },
                NO_VALUE,
              ],
            },
          ],
        },
      },
    },
  };
}
