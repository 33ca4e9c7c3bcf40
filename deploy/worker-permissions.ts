/**
 * What the worker's task role may do, call site by call site. Every AWS SDK
 * command imported under src/ (and every one sqs-consumer sends) has an entry
 * here: either the grants it needs, or why the worker never makes that call.
 * test/unit/worker-permissions.test.ts scans the code and fails when a call
 * site is missing here, so a new SDK call cannot ship without a decision on
 * its permission. deploy/template.ts builds the IAM policy from this file.
 */

/**
 * Logical ids of the template resources a grant can name, and
 * `ReplyQueuePrefix`: every queue whose name starts with the reply queue's
 * name (the reply queue itself and each waiting process's own reply queue,
 * SPEC "Request and reply"); deploy/worker-service.ts renders it as the one
 * ARN pattern of the policy.
 */
export type GrantTarget = 'CommandQueue' | 'ReplyQueue' | 'ReplyQueuePrefix' | 'DeadLetterQueue' | 'UsersTable' | 'TransactionsTable';

export interface Grant {
  actions: string[];
  on: GrantTarget[];
  /** Only inside TransactWriteItems (condition dynamodb:EnclosingOperation). */
  inTransaction?: boolean;
}

export type CallSite =
  | { grants: Grant[]; why: string /** Where a TransactWriteItems' actions are built, when not at the call. */; itemsBuiltIn?: string }
  | { notGranted: string };

/**
 * The IAM actions that authorize each SDK command. SQS batch APIs have no
 * actions of their own: SendMessageBatch is authorized by sqs:SendMessage and
 * so on. A TransactWriteItems is authorized per item by the action of the
 * item's operation (Put, Update, Delete, ConditionCheck).
 */
export const IAM_ACTIONS_BY_COMMAND: Record<string, string[]> = {
  GetQueueUrlCommand: ['sqs:GetQueueUrl'],
  GetQueueAttributesCommand: ['sqs:GetQueueAttributes'],
  SetQueueAttributesCommand: ['sqs:SetQueueAttributes'],
  // CreateQueue with tags also needs sqs:TagQueue.
  CreateQueueCommand: ['sqs:CreateQueue', 'sqs:TagQueue'],
  DeleteQueueCommand: ['sqs:DeleteQueue'],
  ListQueuesCommand: ['sqs:ListQueues'],
  ListQueueTagsCommand: ['sqs:ListQueueTags'],
  GetCallerIdentityCommand: ['sts:GetCallerIdentity'],
  TagQueueCommand: ['sqs:TagQueue'],
  ReceiveMessageCommand: ['sqs:ReceiveMessage'],
  DeleteMessageCommand: ['sqs:DeleteMessage'],
  DeleteMessageBatchCommand: ['sqs:DeleteMessage'],
  ChangeMessageVisibilityCommand: ['sqs:ChangeMessageVisibility'],
  ChangeMessageVisibilityBatchCommand: ['sqs:ChangeMessageVisibility'],
  SendMessageCommand: ['sqs:SendMessage'],
  SendMessageBatchCommand: ['sqs:SendMessage'],
  GetCommand: ['dynamodb:GetItem'],
  BatchGetCommand: ['dynamodb:BatchGetItem'],
  PutCommand: ['dynamodb:PutItem'],
  ScanCommand: ['dynamodb:Scan'],
  QueryCommand: ['dynamodb:Query'],
  TransactWriteCommand: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
  CreateTableCommand: ['dynamodb:CreateTable'],
  DescribeTableCommand: ['dynamodb:DescribeTable'],
  waitUntilTableExists: ['dynamodb:DescribeTable'],
};

/** The TransactWriteItems item operation each IAM action authorizes. */
export const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

const PROVISIONING = 'provisioning only: emulators, or WALLET_PROVISION=true; on AWS the template owns the queues and tables';
const CLIENT_SIDE = 'producer / client side (scripts, tests, the wallet API); clients run with their own role';
const REPLY_WAITER =
  'the reply listener of a process that waits for replies (the wallet API, publishTransaction with waitForReply); granted by ReplyWaiterPolicy (deploy/reply-waiter-policy.ts), not the worker';

/** Keyed `<file or package>#<command>`. */
export const WORKER_CALL_SITES: Record<string, CallSite> = {
  // Start-up on WALLET_STACK=aws: lookUpQueues resolves all three URLs.
  'src/resources/provision.ts#GetQueueUrlCommand': {
    why: 'lookUpQueues at start-up',
    grants: [{ actions: ['sqs:GetQueueUrl'], on: ['CommandQueue', 'ReplyQueue', 'DeadLetterQueue'] }],
  },
  'src/resources/provision.ts#CreateQueueCommand': { notGranted: PROVISIONING },
  'src/resources/provision.ts#GetQueueAttributesCommand': { notGranted: PROVISIONING },
  'src/resources/provision.ts#SetQueueAttributesCommand': { notGranted: PROVISIONING },
  'src/resources/provision.ts#CreateTableCommand': { notGranted: PROVISIONING },
  'src/resources/provision.ts#waitUntilTableExists': { notGranted: PROVISIONING },
  'src/resources/seed.ts#PutCommand': { notGranted: 'seeding is for local stacks (npm run init-tables)' },
  'src/resources/seed.ts#ScanCommand': { notGranted: 'seeding is for local stacks (npm run init-tables)' },
  'src/producer/producer.ts#GetQueueUrlCommand': {
    notGranted: "the producer client (wallet-worker/producer) in another service, under that service's role, not the worker",
  },
  'src/testing/reply-collector.ts#ReceiveMessageCommand': { notGranted: 'test kit (wallet-worker/testing), on a private embedded stack' },
  'src/testing/reply-collector.ts#DeleteMessageBatchCommand': {
    notGranted: 'test kit (wallet-worker/testing), on a private embedded stack',
  },
  'src/testing/seed-wallet.ts#PutCommand': { notGranted: 'test kit (wallet-worker/testing), on a private embedded stack' },

  // The poll loop and its own releases of messages.
  'src/queue/abortable-receive.ts#ReceiveMessageCommand': {
    why: 'wraps the long poll sqs-consumer makes on the command queue',
    grants: [{ actions: ['sqs:ReceiveMessage'], on: ['CommandQueue'] }],
  },
  'src/queue/batch-handler.ts#DeleteMessageBatchCommand': {
    why: 'deletes the commands of a batch once decided and answered (the poller has already polled again)',
    grants: [{ actions: ['sqs:DeleteMessage'], on: ['CommandQueue'] }],
  },
  'src/queue/visibility.ts#ChangeMessageVisibilityBatchCommand': {
    // The same helper releases other clients' replies (publisher) and DLQ pages (operator tool): neither is the worker's.
    why: 'the worker hands back messages received while stopping and delays the redelivery of a command that failed transiently',
    grants: [{ actions: ['sqs:ChangeMessageVisibility'], on: ['CommandQueue'] }],
  },
  'src/queue/reply-publisher.ts#SendMessageBatchCommand': {
    why: 'publishes the replies: to the reply queue, or to the ReplyTo queue of the process that waits (reply-routing.ts accepts only names under the prefix)',
    grants: [{ actions: ['sqs:SendMessage'], on: ['ReplyQueuePrefix'] }],
  },
  'src/queue/reply-listener.ts#CreateQueueCommand': { notGranted: REPLY_WAITER },
  'src/queue/reply-listener.ts#DeleteQueueCommand': { notGranted: REPLY_WAITER },
  'src/queue/reply-listener.ts#ReceiveMessageCommand': { notGranted: REPLY_WAITER },
  'src/queue/reply-listener.ts#DeleteMessageBatchCommand': { notGranted: REPLY_WAITER },
  'src/queue/reply-listener.ts#TagQueueCommand': { notGranted: REPLY_WAITER },
  'src/queue/reply-listener.ts#ListQueuesCommand': { notGranted: REPLY_WAITER },
  'src/queue/reply-listener.ts#ListQueueTagsCommand': { notGranted: REPLY_WAITER },
  'src/queue/reply-queue-policy.ts#GetCallerIdentityCommand': {
    notGranted:
      "a waiting process asks who it is for its reply queue's policy; STS answers GetCallerIdentity to every caller, no permission needed",
  },

  // The ledger: consistent reads of the users it does not know, grouped transactions.
  'src/ledger/load-items.ts#BatchGetCommand': {
    why: 'reads the users of a group, and the records its captures, releases and reversals refer to, before deciding',
    grants: [{ actions: ['dynamodb:BatchGetItem'], on: ['UsersTable', 'TransactionsTable'] }],
  },
  'src/queue/worker.ts#GetCommand': {
    why: 'probes whether DynamoDB answers again while the worker is paused by an outage',
    grants: [{ actions: ['dynamodb:GetItem'], on: ['UsersTable'] }],
  },
  'src/queue/dead-letters.ts#SendMessageCommand': {
    why: 'moves a command that can never be decided (poison data) to the DLQ at once, with its reason',
    grants: [{ actions: ['sqs:SendMessage'], on: ['DeadLetterQueue'] }],
  },
  'src/ledger/commit.ts#TransactWriteCommand': {
    why: 'Puts of the Transactions records; Update or ConditionCheck of each user and of each hold or original a command refers to',
    itemsBuiltIn: 'src/ledger/transact-items.ts',
    grants: [
      {
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
        on: ['TransactionsTable'],
        inTransaction: true,
      },
      { actions: ['dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'], on: ['UsersTable'], inTransaction: true },
    ],
  },

  'src/query/history.ts#QueryCommand': { notGranted: 'query module (npm run history, the wallet API), not the worker' },
  'src/query/ledger-reads.ts#GetCommand': {
    notGranted: 'query module (balances now and in time, statements: npm run balance, npm run statement, the wallet API), not the worker',
  },
  'src/query/ledger-reads.ts#QueryCommand': {
    notGranted: 'query module (balances in time, statements: npm run statement, the wallet API), not the worker',
  },
  'src/queue/dead-letters.ts#ReceiveMessageCommand': {
    notGranted: 'operator tool (npm run dlq), run with an operator role, not the worker',
  },
  'src/queue/dead-letters.ts#SendMessageBatchCommand': {
    notGranted: 'operator tool (npm run dlq), run with an operator role, not the worker',
  },
  'src/queue/dead-letters.ts#DeleteMessageBatchCommand': {
    notGranted: 'operator tool (npm run dlq), run with an operator role, not the worker',
  },
  'src/observability/operations.ts#GetCommand': {
    why: 'the readiness probe behind /readyz: a GetItem of a key no user has',
    grants: [{ actions: ['dynamodb:GetItem'], on: ['UsersTable'] }],
  },
  'src/audit/verify-ledger.ts#ScanCommand': { notGranted: 'operator tool (npm run verify), run with an operator role, not the worker' },
  'src/audit/verify-ledger.ts#QueryCommand': { notGranted: 'operator tool (npm run verify), run with an operator role, not the worker' },
  'src/audit/verify-ledger.ts#GetCommand': { notGranted: 'operator tool (npm run verify), run with an operator role, not the worker' },
  'src/audit/verify-ledger.ts#BatchGetCommand': { notGranted: 'operator tool (npm run verify), run with an operator role, not the worker' },
  'src/http/health.ts#DescribeTableCommand': { notGranted: 'health check of the HTTP gateway (npm run api), not deployed with the worker' },
  'src/http/health.ts#GetQueueAttributesCommand': {
    notGranted: 'health check of the HTTP gateway (npm run api), not deployed with the worker',
  },
  'src/queue/command-publisher.ts#SendMessageCommand': { notGranted: CLIENT_SIDE },
  'src/net/lean-sqs-client.ts#ReceiveMessageCommand': {
    notGranted: 'dispatch only (instanceof): the lean path sends the calls its callers make, granted at their call sites',
  },
  'src/net/lean-sqs-client.ts#DeleteMessageBatchCommand': {
    notGranted: 'dispatch only (instanceof): the lean path sends the calls its callers make, granted at their call sites',
  },
  'src/net/lean-sqs-client.ts#SendMessageBatchCommand': {
    notGranted: 'dispatch only (instanceof): the lean path sends the calls its callers make, granted at their call sites',
  },

  // sqs-consumer's own calls, all on the command queue it was given.
  'sqs-consumer#ReceiveMessageCommand': { why: 'the poll', grants: [{ actions: ['sqs:ReceiveMessage'], on: ['CommandQueue'] }] },
  'sqs-consumer#DeleteMessageBatchCommand': {
    why: 'deletes a handled batch',
    grants: [{ actions: ['sqs:DeleteMessage'], on: ['CommandQueue'] }],
  },
  'sqs-consumer#DeleteMessageCommand': {
    why: 'deletes a single handled message',
    grants: [{ actions: ['sqs:DeleteMessage'], on: ['CommandQueue'] }],
  },
  'sqs-consumer#ChangeMessageVisibilityCommand': {
    why: 'visibility heartbeat / release on error',
    grants: [{ actions: ['sqs:ChangeMessageVisibility'], on: ['CommandQueue'] }],
  },
  'sqs-consumer#ChangeMessageVisibilityBatchCommand': {
    why: 'visibility heartbeat / release on error, batched',
    grants: [{ actions: ['sqs:ChangeMessageVisibility'], on: ['CommandQueue'] }],
  },
};

/** Every grant of the table, as "action on target" lines (the form the tests compare). */
export function grantedPermissions(callSites: Record<string, CallSite> = WORKER_CALL_SITES): Set<string> {
  const lines = new Set<string>();
  for (const site of Object.values(callSites)) {
    if (!('grants' in site)) continue;
    for (const grant of site.grants) {
      for (const action of grant.actions)
        for (const target of grant.on) lines.add(permissionLine(action, target, grant.inTransaction ?? false));
    }
  }
  return lines;
}

export function permissionLine(action: string, target: string, inTransaction: boolean): string {
  return `${action} on ${target}${inTransaction ? ' in TransactWriteItems' : ''}`;
}
