import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet } from '../../src/wallet.js';
import { queueDepth } from '../../scripts/chaos/evidence.js';
import { eventually } from '../support/eventually.js';
import { checkLedger } from '../support/ledger-check.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { createTestWallet, createUser, uniqueKey } from '../support/wallet.js';

let wallet: Wallet;
let replies: ReplyCollector;

beforeAll(async () => {
  wallet = await createTestWallet();
  wallet.startWorker();
  replies = new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply);
});
afterAll(async () => {
  await wallet.close();
});

async function sendRaw(body: string) {
  await wallet.clients.sqs.send(new SendMessageCommand({ QueueUrl: wallet.queueUrls.command, MessageBody: body }));
}

describe('the worker, through the queues', () => {
  it('applies a credit and a debit and publishes a reply for each', async () => {
    const userId = await createUser(wallet, '100');
    const credit = uniqueKey('credit');
    const debit = uniqueKey('debit');
    await wallet.publishTransaction({ idempotentKey: credit, userId, type: 'credit', amount: '25.50' });
    const [creditReply] = await replies.waitForKey(credit);
    await wallet.publishTransaction({ idempotentKey: debit, userId, type: 'debit', amount: '100.50' });
    const [debitReply] = await replies.waitForKey(debit);
    expect(creditReply).toMatchObject({ status: 'applied', newBalance: '125.50', replayed: false });
    expect(debitReply).toMatchObject({ status: 'applied', newBalance: '25.00', replayed: false });
    await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '25.00' });
  });

  it('applies a command sent twice once, and answers both with identical replies but for replayed', async () => {
    const userId = await createUser(wallet, '10');
    const key = uniqueKey('twice');
    const body = { idempotentKey: key, userId, type: 'credit', amount: '5' };
    await wallet.publishTransaction(body);
    await wallet.publishTransaction(body);
    const both = await replies.waitForKey(key, 2);
    expect(both.map((reply) => reply.replayed).sort()).toEqual([false, true]);
    const [first, second] = both;
    expect({ ...first, replayed: null }).toEqual({ ...second, replayed: null });
    await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '15.00' });
  });

  it('uses the true balance when another writer changed the user behind the worker (its cached state is stale)', async () => {
    const userId = await createUser(wallet, '100');
    const first = uniqueKey('warm');
    await wallet.publishTransaction({ idempotentKey: first, userId, type: 'debit', amount: '10' });
    await replies.waitForKey(first);
    // Another writer (a second service instance, or this one's direct API) moves the balance.
    await wallet.transact({ idempotentKey: uniqueKey('elsewhere'), userId, type: 'credit', amount: '0.55' });
    const second = uniqueKey('after-change');
    await wallet.publishTransaction({ idempotentKey: second, userId, type: 'debit', amount: '90.55' });
    const [reply] = await replies.waitForKey(second);
    expect(reply).toMatchObject({ status: 'applied', newBalance: '0.00' });
    const ledger = await checkLedger(wallet, userId, '100');
    expect(ledger.problems).toEqual([]);
  });

  it('answers a waiting publisher with its reply (publishTransaction waitForReply)', async () => {
    const userId = await createUser(wallet, '1');
    const { reply } = await wallet.publishTransaction(
      { idempotentKey: uniqueKey('wait'), userId, type: 'debit', amount: '2' },
      { waitForReply: true, timeoutMs: 20_000 },
    );
    expect(reply).toMatchObject({ status: 'rejected', reason: 'insufficient_funds' });
  });

  it('redelivers an insufficient_funds command after a credit and still rejects it, replayed', async () => {
    const userId = await createUser(wallet, '10');
    const key = uniqueKey('sticky');
    const debit = { idempotentKey: key, userId, type: 'debit', amount: '30' };
    await wallet.publishTransaction(debit);
    const [first] = await replies.waitForKey(key);
    const credit = uniqueKey('credit');
    await wallet.publishTransaction({ idempotentKey: credit, userId, type: 'credit', amount: '100' });
    await replies.waitForKey(credit);
    await wallet.publishTransaction(debit);
    const [, second] = await replies.waitForKey(key, 2);
    expect(first).toMatchObject({ status: 'rejected', reason: 'insufficient_funds', replayed: false });
    expect(second).toEqual({ ...first, replayed: true });
    await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '110.00' });
  });

  it('answers non-JSON and invalid messages with invalid_command where a key is readable, deletes them, and keeps going', async () => {
    const userId = await createUser(wallet, '10');
    const badAmount = uniqueKey('bad-amount');
    const unknownField = uniqueKey('unknown-field');
    await sendRaw('this is not json');
    await sendRaw('{"idempotentKey": "no-closing-brace"');
    await sendRaw(JSON.stringify({ idempotentKey: badAmount, userId, type: 'credit', amount: '1e2' }));
    await sendRaw(JSON.stringify({ idempotentKey: unknownField, userId, type: 'credit', amount: '1', colour: 'blue' }));
    await sendRaw(JSON.stringify([1, 2, 3]));
    const after = uniqueKey('after');
    await wallet.publishTransaction({ idempotentKey: after, userId, type: 'credit', amount: '1' });

    const [amountReply] = await replies.waitForKey(badAmount);
    expect(amountReply).toMatchObject({ status: 'rejected', reason: 'invalid_command', userId, issues: [{ path: 'amount' }] });
    const [fieldReply] = await replies.waitForKey(unknownField);
    expect(fieldReply).toMatchObject({ status: 'rejected', reason: 'invalid_command' });
    expect(JSON.stringify(fieldReply?.issues)).toContain('colour');
    await expect(replies.waitForKey(after)).resolves.toEqual([expect.objectContaining({ status: 'applied', newBalance: '11.00' })]);
    await eventually('every invalid message deleted', async () =>
      (await queueDepth(wallet.clients.sqs, wallet.queueUrls.command)) === 0 ? true : undefined,
    );
    await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '11.00' });
  });
});
