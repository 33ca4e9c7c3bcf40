import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeTableCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCALSTACK_INIT_SCRIPT_PATH, renderLocalStackInitScript } from '../../src/resources/localstack-init.js';
import { loadConfig } from '../../src/config.js';
import { createWallet, type Wallet } from '../../src/wallet.js';
import { createTestWallet, testEnv } from '../support/wallet.js';

const run = promisify(execFile);

/** Routes `awslocal <service> ...` to the embedded stack, which serves SQS and DynamoDB on different ports. */
const AWSLOCAL_SHIM = `#!/usr/bin/env bash
case "$1" in
  sqs) endpoint=$SHIM_SQS_ENDPOINT ;;
  dynamodb) endpoint=$SHIM_DYNAMODB_ENDPOINT ;;
  *) echo "awslocal shim: unexpected service $1" >&2; exit 2 ;;
esac
exec "$SHIM_AWS" --endpoint-url "$endpoint" "$@"
`;

describe('LocalStack init script', () => {
  it('is committed exactly as generated from the resource definitions', async () => {
    expect(await readFile(LOCALSTACK_INIT_SCRIPT_PATH, 'utf8')).toBe(renderLocalStackInitScript());
    // LocalStack only runs init scripts it can execute.
    expect((await stat(LOCALSTACK_INIT_SCRIPT_PATH)).mode & 0o111).toBe(0o111);
  });

  describe('run with awslocal against the embedded stack', () => {
    let shimDir: string;
    // Resources made by the script (scriptWallet's names) and by ensureQueues/ensureTables (reference's names).
    let scriptWallet: Wallet;
    let reference: Wallet;
    let scriptEnv: Record<string, string>;

    beforeAll(async () => {
      shimDir = await mkdtemp(join(tmpdir(), 'awslocal-shim-'));
      await writeFile(join(shimDir, 'awslocal'), AWSLOCAL_SHIM);
      await chmod(join(shimDir, 'awslocal'), 0o755);
      const suffix = Date.now().toString(36);
      scriptEnv = testEnv({
        WALLET_USERS_TABLE: `s-users-${suffix}`,
        WALLET_TRANSACTIONS_TABLE: `s-tx-${suffix}`,
        WALLET_MAX_RECEIVE_COUNT: '3',
      });
      reference = await createTestWallet({
        WALLET_USERS_TABLE: `r-users-${suffix}`,
        WALLET_TRANSACTIONS_TABLE: `r-tx-${suffix}`,
        WALLET_MAX_RECEIVE_COUNT: '3',
      });
      const endpoints = inject('endpoints');
      const env = {
        ...scriptEnv,
        PATH: `${shimDir}${delimiter}${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? tmpdir(),
        SHIM_AWS: await resolveAwsCli(),
        SHIM_SQS_ENDPOINT: endpoints.sqs,
        SHIM_DYNAMODB_ENDPOINT: endpoints.dynamodb,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
      };
      // Twice: the script must be idempotent (LocalStack with a persisted volume runs it on every start).
      for (let attempt = 0; attempt < 2; attempt++) {
        const { stdout } = await run('bash', [LOCALSTACK_INIT_SCRIPT_PATH], { env, timeout: 120_000 });
        expect(stdout).toContain('wallet resources ready');
      }
      // A wallet on the script's resources, created without provisioning: it only looks them up.
      scriptWallet = await createWallet({ config: { ...loadConfig(scriptEnv), provision: false }, logger: reference.logger });
    });

    afterAll(async () => {
      await scriptWallet?.close();
      await reference?.close();
      if (shimDir) await rm(shimDir, { recursive: true, force: true });
    });

    it('creates the queues with the attributes and redrive policy ensureQueues sets', async () => {
      const attributesOf = async (wallet: Wallet) => {
        const result: Record<string, Record<string, string>> = {};
        for (const [role, name] of Object.entries(wallet.config.queues)) {
          const { QueueUrl } = await wallet.clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
          const { Attributes = {} } = await wallet.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
          const { VisibilityTimeout, MessageRetentionPeriod, FifoQueue, RedrivePolicy } = Attributes;
          const redrive = RedrivePolicy
            ? (JSON.parse(RedrivePolicy) as { deadLetterTargetArn: string; maxReceiveCount: string | number })
            : undefined;
          result[role] = {
            ...(VisibilityTimeout && { VisibilityTimeout }),
            ...(MessageRetentionPeriod && { MessageRetentionPeriod }),
            ...(FifoQueue && { FifoQueue }),
            ...(redrive && {
              maxReceiveCount: String(redrive.maxReceiveCount),
              deadLetterTargetArnIsDlq: String(redrive.deadLetterTargetArn.endsWith(`:${wallet.config.queues.deadLetter}`)),
            }),
          };
        }
        return result;
      };
      const fromScript = await attributesOf(scriptWallet);
      expect(fromScript).toEqual(await attributesOf(reference));
      expect(fromScript.command).toMatchObject({ maxReceiveCount: '3', deadLetterTargetArnIsDlq: 'true', VisibilityTimeout: '5' });
    });

    it('creates the tables with the key schema and history index ensureTables creates', async () => {
      const shapeOf = async (wallet: Wallet) =>
        Promise.all(
          Object.values(wallet.config.tables).map(async (TableName) => {
            const { Table } = await wallet.clients.ddb.send(new DescribeTableCommand({ TableName }));
            return tableShape(Table);
          }),
        );
      const fromScript = await shapeOf(scriptWallet);
      expect(fromScript).toEqual(await shapeOf(reference));
      expect(fromScript[1]?.indexes).toEqual([
        { name: 'userId-timestamp-index', keys: ['userId:HASH', 'timestamp:RANGE'], projection: 'ALL' },
      ]);
    });
  });
});

/** The aws CLI itself rather than a pyenv shim in front of it: the shim costs ~1 s per call, and the script makes a dozen. */
async function resolveAwsCli(): Promise<string> {
  try {
    return (await run('pyenv', ['which', 'aws'])).stdout.trim();
  } catch {
    return 'aws';
  }
}

function tableShape(table: TableDescription | undefined) {
  return {
    keys: (table?.KeySchema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`),
    attributes: (table?.AttributeDefinitions ?? []).map((a) => `${a.AttributeName}:${a.AttributeType}`).sort(),
    billing: table?.BillingModeSummary?.BillingMode,
    indexes: (table?.GlobalSecondaryIndexes ?? []).map((index) => ({
      name: index.IndexName,
      keys: (index.KeySchema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`),
      projection: index.Projection?.ProjectionType,
    })),
  };
}
