import { afterAll, beforeAll, expect, it } from 'vitest';
import { crashAfterCommit, deliver, expectOneEffect, seedWallet, startTestStack, type TestStack } from 'wallet-worker/testing';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack(); // fauxqs + DynamoDB Local of its own, on free ports
}, 120_000);
afterAll(() => stack?.stop());

it('a credit redelivered after a crash between commit and ack moves the money once', async () => {
  const wallet = await stack.createWallet(); // queues of its own, redelivery after 1 s
  const userId = await seedWallet(wallet, { balance: '100.00' });
  const crash = crashAfterCommit({ times: 1 });
  wallet.startWorker({ hooks: crash.hooks });
  const command = { idempotentKey: `order-${userId}`, userId, type: 'credit', amount: '25.00' };

  // The first delivery commits, then "crashes": no reply, no delete; SQS delivers it again.
  const replies = await deliver(wallet, command, { times: 2 });
  replies.push(...(await deliver(wallet, command, { times: 3, concurrently: true })));

  expect(crash.crashes).toBe(1);
  const entry = await expectOneEffect(wallet, { command, replies, deliveries: 5, balanceBefore: '100.00' });
  expect(entry.newBalance).toBe('125.00');
  // Even the delivery that decided it was answered by its redelivery, as a replay.
  expect(replies.map((reply) => reply.replayed)).toEqual([true, true, true, true, true]);
}, 60_000);
