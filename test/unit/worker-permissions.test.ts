import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replyListenerActions, replyQueuesArn } from '../../deploy/reply-waiter-policy.js';
import { buildTemplate } from '../../deploy/template.js';
import {
  grantedPermissions,
  IAM_ACTIONS_BY_COMMAND,
  permissionLine,
  TRANSACT_ITEM_ACTIONS,
  WORKER_CALL_SITES,
} from '../../deploy/worker-permissions.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Named imports from @aws-sdk packages that make a call: `...Command` classes and `waitUntil...` waiters. */
function sdkCalls(source: string): string[] {
  const calls: string[] = [];
  for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"](@aws-sdk\/[^'"]+)['"]/g)) {
    for (const raw of (match[1] ?? '').split(',')) {
      const name = raw.trim();
      if (name === '' || name.startsWith('type ')) continue;
      const imported = name.split(/\s+as\s+/)[0] ?? name;
      if (/Command$/.test(imported) || /^waitUntil/.test(imported)) calls.push(imported);
    }
  }
  return calls;
}

async function typeScriptFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => join(entry.parentPath, entry.name));
}

/** `<file>#<command>` for every SDK call in src/ and the production entry point, and every one sqs-consumer makes. */
async function callSitesInCode(): Promise<Map<string, string>> {
  const sites = new Map<string, string>();
  const files = [...(await typeScriptFiles(join(ROOT, 'src'))), join(ROOT, 'scripts/worker.ts')];
  for (const file of files) {
    const source = await readFile(file, 'utf8');
    for (const call of sdkCalls(source)) sites.set(`${relative(ROOT, file)}#${call}`, source);
  }
  const consumerDir = join(ROOT, 'node_modules/sqs-consumer/dist/esm');
  for (const name of await readdir(consumerDir)) {
    if (!name.endsWith('.js')) continue;
    const source = await readFile(join(consumerDir, name), 'utf8');
    for (const call of sdkCalls(source)) sites.set(`sqs-consumer#${call}`, source);
  }
  return sites;
}

function commandOf(site: string): string {
  return site.slice(site.indexOf('#') + 1);
}

/** A statement's resource: a template resource's ARN, or the one name pattern of the reply queues. */
function resourceTarget(resource: unknown): string {
  if (JSON.stringify(resource) === JSON.stringify(replyQueuesArn())) return 'ReplyQueuePrefix';
  const {
    'Fn::GetAtt': [id, attribute],
  } = resource as { 'Fn::GetAtt': [string, string] };
  expect(attribute).toBe('Arn');
  return id;
}

/** The task role's statements as "action on target" lines. */
function templatePermissions(): { lines: Set<string>; statements: Record<string, unknown>[] } {
  const role = buildTemplate().Resources.WorkerTaskRole;
  const policies = role?.Properties.Policies as { PolicyDocument: { Statement: Record<string, unknown>[] } }[];
  const statements = policies.flatMap((policy) => policy.PolicyDocument.Statement);
  const lines = new Set<string>();
  for (const statement of statements) {
    expect(statement.Effect).toBe('Allow');
    const actions = statement.Action as string[];
    const target = resourceTarget(statement.Resource);
    const inTransaction = statement.Condition !== undefined;
    if (inTransaction) expect(statement.Condition).toEqual({ StringEquals: { 'dynamodb:EnclosingOperation': 'TransactWriteItems' } });
    for (const action of actions) lines.add(permissionLine(action, target, inTransaction));
  }
  return { lines, statements };
}

describe('the worker task role', () => {
  it('has a permission decision for every AWS SDK call in src/ and in sqs-consumer, and none for calls that are gone', async () => {
    const inCode = [...(await callSitesInCode()).keys()].sort();
    expect(inCode.length).toBeGreaterThan(10);
    expect(Object.keys(WORKER_CALL_SITES).sort()).toEqual(inCode);
  });

  it('grants each call only actions that authorize that SDK command', () => {
    for (const [site, decision] of Object.entries(WORKER_CALL_SITES)) {
      const allowed = IAM_ACTIONS_BY_COMMAND[commandOf(site)];
      expect(allowed, `${commandOf(site)} needs an entry in IAM_ACTIONS_BY_COMMAND`).toBeDefined();
      if (!('grants' in decision)) continue;
      for (const grant of decision.grants) for (const action of grant.actions) expect(allowed, site).toContain(action);
    }
  });

  it('grants a TransactWriteItems exactly the actions of the item operations the code puts in it', async () => {
    const sites = await callSitesInCode();
    for (const [site, decision] of Object.entries(WORKER_CALL_SITES)) {
      if (commandOf(site) !== 'TransactWriteCommand' || !('grants' in decision)) continue;
      const source = sites.get(site) ?? '';
      const built = decision.itemsBuiltIn ? await readFile(join(ROOT, decision.itemsBuiltIn), 'utf8') : '';
      const operations = new Set(
        [...(source + built).matchAll(/\b(Put|Update|Delete|ConditionCheck):\s*\{/g)].map((match) => TRANSACT_ITEM_ACTIONS[match[1] ?? '']),
      );
      const granted = new Set(decision.grants.flatMap((grant) => grant.actions));
      expect(granted).toEqual(operations);
      expect(decision.grants.every((grant) => grant.inTransaction)).toBe(true);
    }
  });

  it('allows exactly the granted actions, on exactly the stack’s own queues and tables, without wildcards but the reply queues’ name prefix', () => {
    const { lines, statements } = templatePermissions();
    expect(lines).toEqual(grantedPermissions());
    expect(JSON.stringify(replyQueuesArn())).toMatch(/:\$\{ResourcePrefix\}wallet-replies\*"/);
    const text = JSON.stringify(statements).replaceAll(JSON.stringify(replyQueuesArn()), '"reply-queues"');
    expect(text).not.toContain('*');
    expect(text).not.toContain('NotAction');
  });

  it('comes down to these few permissions (a change here is a change to review)', () => {
    expect([...templatePermissions().lines].sort()).toEqual([
      'dynamodb:BatchGetItem on TransactionsTable',
      'dynamodb:BatchGetItem on UsersTable',
      'dynamodb:ConditionCheckItem on TransactionsTable in TransactWriteItems',
      'dynamodb:ConditionCheckItem on UsersTable in TransactWriteItems',
      'dynamodb:GetItem on UsersTable',
      'dynamodb:PutItem on TransactionsTable in TransactWriteItems',
      'dynamodb:UpdateItem on TransactionsTable in TransactWriteItems',
      'dynamodb:UpdateItem on UsersTable in TransactWriteItems',
      'sqs:ChangeMessageVisibility on CommandQueue',
      'sqs:DeleteMessage on CommandQueue',
      'sqs:GetQueueUrl on CommandQueue',
      'sqs:GetQueueUrl on DeadLetterQueue',
      'sqs:GetQueueUrl on ReplyQueue',
      'sqs:ReceiveMessage on CommandQueue',
      'sqs:SendMessage on DeadLetterQueue',
      'sqs:SendMessage on ReplyQueuePrefix',
    ]);
  });
});

describe('the reply waiter policy', () => {
  const document = buildTemplate().Resources.ReplyWaiterPolicy?.Properties.PolicyDocument as {
    Statement: { Action?: string[]; Resource: unknown }[];
  };
  // The SQS statements (the key's statement, present only with KmsKeyArn, is an Fn::If: see access-policies.test.ts).
  const policy = {
    Statement: document.Statement.filter(
      (statement): statement is { Action: string[]; Resource: unknown } => statement.Action !== undefined,
    ),
  };

  it('grants every action the reply listener’s SDK calls need', async () => {
    const listenerCalls = [...(await callSitesInCode()).keys()].filter((site) => site.startsWith('src/queue/reply-listener.ts#'));
    expect(listenerCalls.length).toBeGreaterThan(3);
    const granted = new Set(policy.Statement.flatMap((statement) => statement.Action));
    for (const site of listenerCalls)
      for (const action of IAM_ACTIONS_BY_COMMAND[commandOf(site)] ?? ['missing']) expect(granted, site).toContain(action);
    expect([...granted].sort()).toEqual(replyListenerActions());
  });

  it('reaches only the waiting processes’ own -gw- queues (ListQueues aside, which IAM cannot scope)', () => {
    for (const statement of policy.Statement) {
      if (statement.Resource === '*') expect(statement.Action).toEqual(['sqs:ListQueues']);
      else expect(statement.Resource).toEqual(replyQueuesArn('-gw-'));
    }
  });
});
