import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Wallet } from '../../src/wallet.js';
import { startApi, type RunningApi } from '../support/api-server.js';
import { hs256Token, TEST_JWT_SECRET } from '../support/tokens.js';
import { createTestWallet, createUser } from '../support/wallet.js';

/** Debian's chromium package (installed by .ci/run; locally: apt-get install chromium). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Flags for a sandbox-less container without network: no first-run, sync or update traffic. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// One browser for both suites, which run side by side (each gateway and wallet of its own): a chromium
// start is seconds of CPU, and each page gets a browser context of its own (newPage), shared with nobody.
let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
});

describe.concurrent('Swagger UI', () => {
  let wallet: Wallet;
  let api: RunningApi;
  let screenshots: string;

  beforeAll(async () => {
    wallet = await createTestWallet({ WALLET_API_DOCS: 'true' });
    api = await startApi(wallet);
    screenshots = await mkdtemp(join(tmpdir(), 'wallet-docs-'));
  });

  afterAll(async () => {
    await api?.close();
    await wallet?.close();
    if (screenshots) await rm(screenshots, { recursive: true, force: true });
  });

  it('renders the API title and every operation at /docs from locally served assets', async ({ expect }) => {
    const page = await browser.newPage();
    const foreignRequests: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(api.baseUrl) && !request.url().startsWith('data:')) foreignRequests.push(request.url());
    });
    await page.goto(`${api.baseUrl}/docs`);
    await page.locator('.swagger-ui .info .title').filter({ hasText: 'Wallet API' }).waitFor({ timeout: 20_000 });
    const operations = page.locator('.opblock-summary-path');
    await operations.nth(3).waitFor();
    expect(await operations.allTextContents()).toEqual(
      expect.arrayContaining(
        ['/transactions', '/users/{userId}/balance', '/users/{userId}/transactions', '/health'].map((path) =>
          expect.stringContaining(path),
        ),
      ),
    );
    const file = join(screenshots, 'docs.png');
    await page.screenshot({ path: file, fullPage: true });
    expect((await stat(file)).size).toBeGreaterThan(10_000);
    expect(foreignRequests).toEqual([]);
  });
});

describe.concurrent('Swagger UI with authentication', () => {
  let wallet: Wallet;
  let api: RunningApi;

  beforeAll(async () => {
    wallet = await createTestWallet({ WALLET_API_DOCS: 'true', WALLET_API_JWT_SECRET: TEST_JWT_SECRET });
    api = await startApi(wallet);
  });

  afterAll(async () => {
    await api?.close();
    await wallet?.close();
  });

  it('takes a bearer token through "Authorize" and sends it with "Try it out"', async ({ expect }) => {
    const userId = await createUser(wallet, '12.34');
    const token = await hs256Token({ sub: userId });
    const page = await browser.newPage();
    await page.goto(`${api.baseUrl}/docs`);
    await page.locator('.swagger-ui .auth-wrapper button.authorize').click();
    await page.locator('.modal-ux input[type="text"], .modal-ux input:not([type])').first().fill(token);
    await page.locator('.modal-ux .auth-btn-wrapper button.authorize').click();
    await page.locator('.modal-ux button.btn-done').click();

    await page.locator('#operations-default-getBalance .opblock-summary').click();
    await page.locator('#operations-default-getBalance button.try-out__btn').click();
    await page.locator('#operations-default-getBalance input[placeholder="userId"]').fill(userId);
    const sent = page.waitForRequest((request) => request.url().includes('/balance'));
    await page.locator('#operations-default-getBalance button.execute').click();
    expect((await sent).headers().authorization).toBe(`Bearer ${token}`);
    const status = page.locator('#operations-default-getBalance .live-responses-table .response .response-col_status').first();
    await status.filter({ hasText: '200' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#operations-default-getBalance .live-responses-table .microlight').first().textContent()).toContain('12.34');
  });
});
