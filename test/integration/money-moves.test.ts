import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/messages/reply.js';
import type { Wallet } from '../../src/wallet.js';
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

/** Sends one command through the queue and waits for its reply. */
async function send(command: Record<string, unknown>): Promise<Reply> {
  const idempotentKey = (command.idempotentKey as string | undefined) ?? uniqueKey(String(command.type));
  const before = replies.forKey(idempotentKey).length;
  await wallet.publishTransaction({ ...command, idempotentKey });
  const all = await replies.waitForKey(idempotentKey, before + 1);
  return all[before] as Reply;
}

const balanceOf = (userId: string) => wallet.getCurrentBalance({ userId });

async function expectLedgers(...users: [string, string][]) {
  for (const [userId, opening] of users) expect((await checkLedger(wallet, userId, opening)).problems, userId).toEqual([]);
}

// The suites and their cases run side by side: each case has users of its own, and its time is
// waiting on replies from the worker, which overlap instead of adding up. Each case uses its own `expect`.
describe.concurrent('transfer', () => {
  it('moves money from the payer to the recipient in one write; the reply speaks of the payer only, the recipient’s history lists it', async ({
    expect,
  }) => {
    const [payer, recipient] = [await createUser(wallet, '100'), await createUser(wallet, '5')];
    const reply = await send({ userId: payer, type: 'transfer', amount: '30.50', toUserId: recipient });
    expect(reply).toMatchObject({
      status: 'applied',
      type: 'transfer',
      toUserId: recipient,
      amount: '30.50',
      newBalance: '69.50',
      available: '69.50',
    });
    expect(JSON.stringify(reply)).not.toContain('35.50');
    await expect(balanceOf(recipient)).resolves.toMatchObject({ balance: '35.50' });
    const history = await wallet.listTransactions({ userId: recipient });
    expect(history.items).toEqual([
      // Its own reference, nothing of the payer's key.
      expect.objectContaining({
        idempotentKey: expect.stringMatching(/^leg-[0-9a-f]{32}$/),
        type: 'transfer',
        amount: '30.50',
        counterpartyUserId: payer,
        newBalance: '35.50',
        status: 'applied',
      }),
    ]);
    await expectLedgers([payer, '100'], [recipient, '5']);
  });

  it('refuses a transfer to the payer itself as invalid, to an unknown user as recipient_not_found, and beyond the available money as insufficient_funds', async ({
    expect,
  }) => {
    const payer = await createUser(wallet, '10');
    // The producer's own check refuses it first; sent raw, the worker answers invalid_command.
    await expect(
      wallet.publishTransaction({ idempotentKey: uniqueKey('self'), userId: payer, type: 'transfer', amount: '1', toUserId: payer }),
    ).rejects.toThrow('invalid command');
    const self = uniqueKey('self');
    await wallet.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: wallet.queueUrls.command,
        MessageBody: JSON.stringify({ idempotentKey: self, userId: payer, type: 'transfer', amount: '1', toUserId: payer }),
      }),
    );
    const [selfReply] = await replies.waitForKey(self);
    expect(selfReply).toMatchObject({
      status: 'rejected',
      reason: 'invalid_command',
      issues: [{ path: 'toUserId', message: 'toUserId must be another user than userId' }],
    });
    await expect(send({ userId: payer, type: 'transfer', amount: '1', toUserId: uniqueKey('nobody') })).resolves.toMatchObject({
      status: 'rejected',
      reason: 'recipient_not_found',
    });
    const recipient = await createUser(wallet, '0');
    await send({ userId: payer, type: 'hold', amount: '6' });
    await expect(send({ userId: payer, type: 'transfer', amount: '5', toUserId: recipient })).resolves.toMatchObject({
      status: 'rejected',
      reason: 'insufficient_funds',
    });
    await expect(send({ userId: uniqueKey('ghost'), type: 'transfer', amount: '5', toUserId: recipient })).resolves.toMatchObject({
      reason: 'user_not_found',
    });
    await expect(balanceOf(recipient)).resolves.toMatchObject({ balance: '0.00' });
    await expectLedgers([payer, '10']);
  });
});

describe.concurrent('hold, capture and release', () => {
  it('reserves money without moving it, captures part of it, and makes the rest available again', async ({ expect }) => {
    const userId = await createUser(wallet, '100');
    const hold = await send({ userId, type: 'hold', amount: '40' });
    expect(hold).toMatchObject({ status: 'applied', newBalance: '100.00', available: '60.00', expiresAt: expect.any(String) });
    expect(Date.parse(hold.expiresAt ?? '') - Date.parse(hold.processedAt)).toBe(604_800_000);
    await expect(balanceOf(userId)).resolves.toEqual({
      userId,
      currency: 'USD',
      status: 'active',
      balance: '100.00',
      available: '60.00',
      held: '40.00',
    });
    await expect(send({ userId, type: 'debit', amount: '60.01' })).resolves.toMatchObject({ reason: 'insufficient_funds' });

    await expect(send({ userId, type: 'capture', holdKey: hold.idempotentKey, amount: '40.01' })).resolves.toMatchObject({
      reason: 'amount_exceeds_hold',
    });
    const capture = await send({ userId, type: 'capture', holdKey: hold.idempotentKey, amount: '25' });
    expect(capture).toMatchObject({
      status: 'applied',
      holdKey: hold.idempotentKey,
      amount: '25.00',
      newBalance: '75.00',
      available: '75.00',
    });
    await expect(send({ userId, type: 'capture', holdKey: hold.idempotentKey })).resolves.toMatchObject({ reason: 'hold_closed' });
    await expect(send({ userId, type: 'release', holdKey: hold.idempotentKey })).resolves.toMatchObject({ reason: 'hold_closed' });
    await expectLedgers([userId, '100']);
  });

  it('captures all of a hold by default and releases another', async ({ expect }) => {
    const userId = await createUser(wallet, '50');
    const first = await send({ userId, type: 'hold', amount: '10', expiresInSeconds: 3600 });
    const second = await send({ userId, type: 'hold', amount: '15' });
    await expect(send({ userId, type: 'capture', holdKey: first.idempotentKey })).resolves.toMatchObject({
      amount: '10.00',
      newBalance: '40.00',
      available: '25.00',
    });
    await expect(send({ userId, type: 'release', holdKey: second.idempotentKey })).resolves.toMatchObject({
      status: 'applied',
      amount: '15.00',
      newBalance: '40.00',
      available: '40.00',
    });
    await expect(balanceOf(userId)).resolves.toMatchObject({ held: '0.00' });
    await expectLedgers([userId, '50']);
  });

  it('answers hold_not_found for another user’s hold (revealing nothing) and for an unknown one', async ({ expect }) => {
    const [owner, other] = [await createUser(wallet, '20'), await createUser(wallet, '20')];
    const hold = await send({ userId: owner, type: 'hold', amount: '5' });
    const foreign = await send({ userId: other, type: 'capture', holdKey: hold.idempotentKey });
    expect(foreign).toMatchObject({ status: 'rejected', reason: 'hold_not_found' });
    expect(JSON.stringify(foreign)).not.toContain(owner);
    await expect(send({ userId: other, type: 'release', holdKey: uniqueKey('no-hold') })).resolves.toMatchObject({
      reason: 'hold_not_found',
    });
    await expect(send({ userId: owner, type: 'capture', holdKey: uniqueKey('no-hold') })).resolves.toMatchObject({
      reason: 'hold_not_found',
    });
    await expect(balanceOf(owner)).resolves.toMatchObject({ held: '5.00' });
  });

  it('lets an expired hold reserve nothing, and refuses to capture or release it as hold_expired', async ({ expect }) => {
    const userId = await createUser(wallet, '10');
    const hold = await send({ userId, type: 'hold', amount: '8', expiresInSeconds: 1 });
    await eventually('the hold to expire', async () => ((await balanceOf(userId)).held === '0.00' ? true : undefined));
    await expect(send({ userId, type: 'capture', holdKey: hold.idempotentKey })).resolves.toMatchObject({ reason: 'hold_expired' });
    await expect(send({ userId, type: 'release', holdKey: hold.idempotentKey })).resolves.toMatchObject({ reason: 'hold_expired' });
    await expect(send({ userId, type: 'debit', amount: '10' })).resolves.toMatchObject({ status: 'applied', newBalance: '0.00' });
    await expectLedgers([userId, '10']);
  });
});

describe.concurrent('reverse', () => {
  it('undoes a credit, a debit and a capture, fully by default or in parts, never beyond the original amount', async ({ expect }) => {
    const userId = await createUser(wallet, '100');
    const credit = await send({ userId, type: 'credit', amount: '20' });
    await expect(send({ userId, type: 'reverse', originalKey: credit.idempotentKey })).resolves.toMatchObject({
      status: 'applied',
      originalKey: credit.idempotentKey,
      amount: '20.00',
      newBalance: '100.00',
    });
    await expect(send({ userId, type: 'reverse', originalKey: credit.idempotentKey, amount: '0.01' })).resolves.toMatchObject({
      reason: 'amount_exceeds_reversible',
    });

    const debit = await send({ userId, type: 'debit', amount: '30' });
    await expect(send({ userId, type: 'reverse', originalKey: debit.idempotentKey, amount: '10' })).resolves.toMatchObject({
      newBalance: '80.00',
    });
    await expect(send({ userId, type: 'reverse', originalKey: debit.idempotentKey, amount: '20.01' })).resolves.toMatchObject({
      reason: 'amount_exceeds_reversible',
    });
    await expect(send({ userId, type: 'reverse', originalKey: debit.idempotentKey })).resolves.toMatchObject({
      amount: '20.00',
      newBalance: '100.00',
    });

    const hold = await send({ userId, type: 'hold', amount: '15' });
    const capture = await send({ userId, type: 'capture', holdKey: hold.idempotentKey });
    await expect(send({ userId, type: 'reverse', originalKey: capture.idempotentKey })).resolves.toMatchObject({
      newBalance: '100.00',
      available: '100.00',
    });
    await expectLedgers([userId, '100']);
  });

  it('moves a reversed transfer back from the recipient, and refuses when the recipient no longer has it', async ({ expect }) => {
    const [payer, recipient] = [await createUser(wallet, '50'), await createUser(wallet, '0')];
    const transfer = await send({ userId: payer, type: 'transfer', amount: '20', toUserId: recipient });
    await expect(send({ userId: payer, type: 'reverse', originalKey: transfer.idempotentKey, amount: '5' })).resolves.toMatchObject({
      status: 'applied',
      newBalance: '35.00',
    });
    await expect(balanceOf(recipient)).resolves.toMatchObject({ balance: '15.00' });
    await send({ userId: recipient, type: 'debit', amount: '14' });
    await expect(send({ userId: payer, type: 'reverse', originalKey: transfer.idempotentKey })).resolves.toMatchObject({
      reason: 'insufficient_funds',
    });
    await expect(balanceOf(recipient)).resolves.toMatchObject({ balance: '1.00' });
    await expectLedgers([payer, '50'], [recipient, '0']);
  });

  it('answers original_not_found for another user’s or an unknown original, and not_reversible for a rejected one or a type that moves no money', async ({
    expect,
  }) => {
    const [userId, other] = [await createUser(wallet, '10'), await createUser(wallet, '10')];
    const credit = await send({ userId, type: 'credit', amount: '1' });
    await expect(send({ userId: other, type: 'reverse', originalKey: credit.idempotentKey })).resolves.toMatchObject({
      reason: 'original_not_found',
    });
    await expect(send({ userId, type: 'reverse', originalKey: uniqueKey('none') })).resolves.toMatchObject({
      reason: 'original_not_found',
    });
    const rejected = await send({ userId, type: 'debit', amount: '1000' });
    await expect(send({ userId, type: 'reverse', originalKey: rejected.idempotentKey })).resolves.toMatchObject({
      reason: 'not_reversible',
    });
    const hold = await send({ userId, type: 'hold', amount: '1' });
    await expect(send({ userId, type: 'reverse', originalKey: hold.idempotentKey })).resolves.toMatchObject({ reason: 'not_reversible' });
    const reversal = await send({ userId, type: 'reverse', originalKey: credit.idempotentKey });
    await expect(send({ userId, type: 'reverse', originalKey: reversal.idempotentKey })).resolves.toMatchObject({
      reason: 'not_reversible',
    });
  });
});

describe.concurrent('the rules hold for every new type', () => {
  it('keeps every new rejection sticky: redelivered after the state changed, the same outcome replays (rule 3)', async ({ expect }) => {
    const [payer, recipient] = [await createUser(wallet, '1'), await createUser(wallet, '0')];
    const transfer = { idempotentKey: uniqueKey('sticky-transfer'), userId: payer, type: 'transfer', amount: '5', toUserId: recipient };
    const capture = { idempotentKey: uniqueKey('sticky-capture'), userId: payer, type: 'capture', holdKey: uniqueKey('later-hold') };
    const first = [await send(transfer), await send(capture)];
    expect(first.map((reply) => reply.reason)).toEqual(['insufficient_funds', 'hold_not_found']);
    await send({ userId: payer, type: 'credit', amount: '100' });
    await send({ idempotentKey: capture.holdKey, userId: payer, type: 'hold', amount: '1' });
    const again = [await send(transfer), await send(capture)];
    expect(again).toEqual(first.map((reply) => ({ ...reply, replayed: true })));
  });

  it('refuses the same key with any field of any type changed as idempotency_key_reused, leaving the original untouched (rule 4)', async ({
    expect,
  }) => {
    const [userId, other, third] = [await createUser(wallet, '100'), await createUser(wallet, '100'), await createUser(wallet, '100')];
    const hold = await send({ userId, type: 'hold', amount: '1', expiresInSeconds: 600 });
    const originals: Record<string, unknown>[] = [
      { type: 'credit', amount: '1' },
      { type: 'debit', amount: '1' },
      { type: 'transfer', amount: '1', toUserId: other },
      { type: 'hold', amount: '1', expiresInSeconds: 60 },
      { type: 'release', holdKey: hold.idempotentKey },
    ].map((fields) => ({ idempotentKey: uniqueKey(`orig-${String(fields.type)}`), userId, ...fields }));
    const variants = (original: Record<string, unknown>): Record<string, unknown>[] => [
      { ...original, userId: third },
      { idempotentKey: original.idempotentKey, userId, type: original.type === 'credit' ? 'debit' : 'credit', amount: '1' },
      ...('amount' in original ? [{ ...original, amount: '2' }] : []),
      ...('toUserId' in original ? [{ ...original, toUserId: third }] : []),
      ...('expiresInSeconds' in original ? [{ ...original, expiresInSeconds: 61 }] : []),
      ...('holdKey' in original
        ? [
            { ...original, holdKey: uniqueKey('another-hold') },
            { ...original, type: 'capture' },
          ]
        : []),
    ];
    for (const original of originals) {
      const first = await send(original);
      const balanceBefore = await balanceOf(userId);
      for (const variant of variants(original)) {
        const reply = await send(variant);
        expect(reply, JSON.stringify(variant)).toMatchObject({ status: 'rejected', reason: 'idempotency_key_reused' });
        expect(reply.transactionId).toBeUndefined();
        expect(reply.newBalance).toBeUndefined();
      }
      await expect(balanceOf(userId)).resolves.toEqual(balanceBefore);
      await expect(send(original)).resolves.toEqual({ ...first, replayed: true });
    }
    // "10" is "10.00", and a hold's default expiry is the same as naming it: the same command, replayed.
    const sameHold = { idempotentKey: uniqueKey('same'), userId, type: 'hold', amount: '2' };
    const placed = await send(sameHold);
    await expect(send({ ...sameHold, amount: '2.00', expiresInSeconds: 604_800 })).resolves.toEqual({ ...placed, replayed: true });
  });

  it('never tells a user another user’s balance (rule 12): every reply carries its own user’s balance only', async ({ expect }) => {
    const [payer, recipient] = [await createUser(wallet, '70'), await createUser(wallet, '13.37')];
    const all = [
      await send({ userId: payer, type: 'transfer', amount: '10', toUserId: recipient }),
      await send({ userId: recipient, type: 'transfer', amount: '1', toUserId: payer }),
    ];
    const transfer = all[0] as Reply;
    all.push(await send({ userId: payer, type: 'reverse', originalKey: transfer.idempotentKey, amount: '1' }));
    expect(all.map((reply) => reply.newBalance)).toEqual(['60.00', '22.37', '62.00']);
    expect(JSON.stringify(all[0])).not.toContain('23.37');
    expect(JSON.stringify(all[1])).not.toContain('61.00');
    expect(JSON.stringify(all[2])).not.toContain('21.37');
    await expectLedgers([payer, '70'], [recipient, '13.37']);
  });

  it('works for users created by other tools with only the seed’s attributes (no holds, nothing held)', async ({ expect }) => {
    const userId = await createUser(wallet, '12');
    await expect(balanceOf(userId)).resolves.toEqual({
      userId,
      currency: 'USD',
      status: 'active',
      balance: '12.00',
      available: '12.00',
      held: '0.00',
    });
    const hold = await send({ userId, type: 'hold', amount: '12' });
    await expect(send({ userId, type: 'release', holdKey: hold.idempotentKey })).resolves.toMatchObject({
      status: 'applied',
      available: '12.00',
    });
  });
});
