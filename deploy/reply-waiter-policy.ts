import { replyQueuePrefix } from '../src/queue/reply-routing.js';
import { sub, TEMPLATE_CONFIG, type Cfn, type Resource } from './cfn.js';
import { IAM_ACTIONS_BY_COMMAND, WORKER_CALL_SITES } from './worker-permissions.js';

/**
 * Request and reply on AWS (SPEC "Request and reply"): the queues a waiting
 * process creates are named `<reply queue>-gw-<random>`, so IAM can scope
 * both sides by name. The worker may send replies to every queue under the
 * reply queue's name (its task role, ReplyQueuePrefix); a process that waits
 * (the HTTP gateway, a producer calling publishTransaction with waitForReply)
 * gets ReplyWaiterPolicy: the calls of src/queue/reply-listener.ts on its own
 * `-gw-` queues only, never on the shared reply queue.
 */
const LISTENER_FILE = 'src/queue/reply-listener.ts';

/** `arn:…:<ResourcePrefix><reply queue name without .fifo><after>*`: standard and FIFO names alike. */
export function replyQueuesArn(after = ''): Cfn {
  return sub(`arn:\${AWS::Partition}:sqs:\${AWS::Region}:\${AWS::AccountId}:\${ResourcePrefix}${replyQueuePrefix(TEMPLATE_CONFIG.queues.reply)}${after}*`);
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

export function replyWaiterResources(): Record<string, Resource> {
  const actions = replyListenerActions();
  return {
    ReplyWaiterPolicy: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        Description: 'Attach to the role of a process that waits for replies (the HTTP gateway, publishTransaction with waitForReply): its own reply queue, created and deleted at run time',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'OwnReplyQueues', Effect: 'Allow', Action: actions.filter((action) => !ACCOUNT_WIDE_ACTIONS.has(action)), Resource: replyQueuesArn('-gw-') },
            // The sweep of abandoned reply queues lists them by name prefix; ListQueues has no resource-level scope.
            { Sid: 'FindAbandonedReplyQueues', Effect: 'Allow', Action: actions.filter((action) => ACCOUNT_WIDE_ACTIONS.has(action)), Resource: '*' },
          ],
        },
      },
    },
  };
}
