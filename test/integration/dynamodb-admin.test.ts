import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbAdmin, type DynamoDbAdmin } from '../../src/local-stack/dynamodb-admin.js';
import { PortInUseError } from '../../src/errors.js';
import type { Wallet } from '../../src/wallet.js';
import { createTestWallet, createUser } from '../support/wallet.js';

describe('DynamoDB Admin UI', () => {
  let wallet: Wallet;
  let admin: DynamoDbAdmin;

  beforeAll(async () => {
    const suffix = Date.now().toString(36);
    wallet = await createTestWallet({ WALLET_USERS_TABLE: `admin-users-${suffix}`, WALLET_TRANSACTIONS_TABLE: `admin-tx-${suffix}` });
    admin = await startDynamoDbAdmin({ dynamodbEndpoint: wallet.config.endpoints.dynamodb ?? '', port: 0 });
  });

  afterAll(async () => {
    await admin?.stop();
    await wallet?.close();
  });

  it('lists the wallet tables and shows a user item from the configured DynamoDB', async () => {
    const tables = await fetch(admin.url);
    expect(tables.status).toBe(200);
    expect(await tables.text()).toContain(wallet.config.tables.users);
    const userId = await createUser(wallet, '12.34');
    const items = await fetch(`${admin.url}/tables/${wallet.config.tables.users}`);
    expect(items.status).toBe(200);
    const page = await fetch(`${admin.url}/tables/${wallet.config.tables.users}/items/${encodeURIComponent(userId)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(userId);
  });

  it('refuses a request whose Host is not a loopback name (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      request(admin.url, { headers: { host: `rebind.attacker.example:${new URL(admin.url).port}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
  });

  it('names the variable to change when its port is taken', async () => {
    const port = Number(new URL(admin.url).port);
    await expect(startDynamoDbAdmin({ dynamodbEndpoint: wallet.config.endpoints.dynamodb ?? '', port })).rejects.toBeInstanceOf(
      PortInUseError,
    );
  });
});
