import { afterEach, describe, expect, it } from 'vitest';
import type { Wallet } from '../../src/wallet.js';
import { queueDepth } from '../../scripts/chaos/evidence.js';
import { eventually } from '../support/eventually.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { createTestWallet, createUser, uniqueKey } from '../support/wallet.js';

/** The embedded SQS emulator stamps every message with SenderId "000000000000" (the account, as for a root sender). */
const EMULATOR_SENDER = '000000000000';

let wallet: Wallet | undefined;
afterEach(async () => {
  await wallet?.close();
  wallet = undefined;
});

describe('a worker with WALLET_ALLOWED_SENDER_IDS', () => {
  it('deletes a command from an unlisted sender without effect and without a reply', async () => {
    wallet = await createTestWallet({ WALLET_ALLOWED_SENDER_IDS: 'AROAONLYTHISROLE' });
    const replies = new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply);
    const userId = await createUser(wallet, '10');
    const forged = uniqueKey('forged');
    await wallet.publishTransaction({ idempotentKey: forged, userId, type: 'credit', amount: '1000000' });
    wallet.startWorker();
    await eventually('the command queue empty', async () =>
      (await queueDepth(wallet!.clients.sqs, wallet!.queueUrls.command)) === 0 ? true : undefined,
    );
    await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '10.00' });
    // The key was not consumed either: nothing was recorded under it.
    await expect(wallet.listTransactions({ userId })).resolves.toMatchObject({ items: [] });
    expect(await queueDepth(wallet.clients.sqs, wallet.queueUrls.deadLetter)).toBe(0);
    await replies.drain();
    expect(replies.forKey(forged)).toEqual([]);
  });

  it('decides commands from a listed sender as usual', async () => {
    wallet = await createTestWallet({ WALLET_ALLOWED_SENDER_IDS: `AROAOTHERROLE,${EMULATOR_SENDER}` });
    wallet.startWorker();
    const replies = new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply);
    const userId = await createUser(wallet, '10');
    const key = uniqueKey('listed');
    await wallet.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '5' });
    const [reply] = await replies.waitForKey(key);
    expect(reply).toMatchObject({ status: 'applied', newBalance: '15.00' });
  });
});
