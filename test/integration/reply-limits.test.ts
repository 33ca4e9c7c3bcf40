import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { queueDepth } from '../../scripts/chaos/evidence.js';
import { InvalidRequestError } from '../../src/errors.js';
import type { Reply } from '../../src/messages/reply.js';
import { ReplyTooLargeError } from '../../src/errors.js';
import { publishReplies } from '../../src/queue/reply-publisher.js';
import type { Wallet } from '../../src/wallet.js';
import { testCleanups } from '../support/cleanups.js';
import { eventually } from '../support/eventually.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { createUser, uniqueKey } from '../support/wallet.js';

/** A command body just under the worker's 256 KiB limit, made of thousands of unknown fields (zod names each one). */
function bodyWithUnknownKeys(idempotentKey: string, userId: string): string {
  const extra = Object.fromEntries(Array.from({ length: 8000 }, (_, index) => [`unknown-field-number-${index}`, 1]));
  return JSON.stringify({ idempotentKey, userId, amount: '1', type: 'credit', ...extra });
}

async function sendRaw(wallet: Wallet, body: string): Promise<void> {
  await wallet.clients.sqs.send(new SendMessageCommand({ QueueUrl: wallet.queueUrls.command, MessageBody: body }));
}

async function drained(wallet: Wallet): Promise<void> {
  await eventually('the command queue drained', async () =>
    (await queueDepth(wallet.clients.sqs, wallet.queueUrls.command)) === 0 ? true : undefined,
  );
  expect(await queueDepth(wallet.clients.sqs, wallet.queueUrls.deadLetter)).toBe(0);
}

// The cases run side by side, each on queues of its own: each waits on long polls and replies,
// which overlap instead of adding up. Each has its own cleanups and `expect`.
describe.concurrent('replies are always publishable (SPEC rule 8)', () => {
  it('answers a body of thousands of unknown keys with a small invalid_command reply', async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await cleanups.wallet();
    const replies = new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply);
    const key = uniqueKey('unknown-keys');
    const body = bodyWithUnknownKeys(key, 'u');
    expect(Buffer.byteLength(body)).toBeGreaterThan(200 * 1024);
    await sendRaw(wallet, body);
    wallet.startWorker({ pollers: 1 });

    const [reply] = await replies.waitForKey(key);
    expect(reply).toMatchObject({ status: 'rejected', reason: 'invalid_command' });
    expect(Buffer.byteLength(JSON.stringify(reply))).toBeLessThan(4 * 1024);
    expect(reply?.issues?.[0]?.message).toMatch(/^Unrecognized keys: "unknown-field-number-0"/);
    await drained(wallet);
  });

  it('answers a batch of such bodies and a valid command in one batch, each once, without retrying the applied command', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await cleanups.wallet({ WALLET_BATCH_SIZE: '10' });
    const replies = new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply);
    const userId = await createUser(wallet, '10');
    const badKeys = Array.from({ length: 9 }, (_, index) => uniqueKey(`unknown-keys-${index}`));
    // Sent one by one: ten such bodies are more than one SendMessageBatch may carry.
    for (const key of badKeys) await sendRaw(wallet, bodyWithUnknownKeys(key, userId));
    const good = uniqueKey('good');
    await wallet.publishTransaction({ idempotentKey: good, userId, type: 'credit', amount: '5' });
    wallet.startWorker({ pollers: 1 });

    const [applied] = await replies.waitForKey(good);
    expect(applied).toMatchObject({ status: 'applied', newBalance: '15.00', replayed: false });
    for (const key of badKeys) await replies.waitForKey(key);
    await drained(wallet);
    await replies.drain();
    expect(replies.replies).toHaveLength(badKeys.length + 1);
  });

  it('refuses a user id holding U+FFFE as invalid_command instead of applying a command whose reply SQS would refuse', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await cleanups.wallet();
    const replies = new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply);
    const userId = await createUser(wallet, '10', `user-\ufffe-${uniqueKey()}`);
    const key = uniqueKey('nonchar-user');
    // The body itself is plain ASCII: JSON escapes carry the noncharacter past SQS's own check.
    await sendRaw(wallet, JSON.stringify({ idempotentKey: key, userId, amount: '1', type: 'credit' }).replace('\ufffe', '\\ufffe'));
    wallet.startWorker({ pollers: 1 });

    const [reply] = await replies.waitForKey(key);
    expect(reply).toMatchObject({ status: 'rejected', reason: 'invalid_command' });
    expect(reply?.issues).toContainEqual({
      path: 'userId',
      message: 'userId must not contain noncharacters (such as U+FFFE) or unpaired surrogates',
    });
    await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '10.00' });
    await drained(wallet);
  });

  it.for([
    ['U+FFFF', '\\uffff'],
    ['an unpaired surrogate', '\\ud800'],
  ])(
    'deletes a command whose key holds %s without applying it or blocking the queue',
    async ([, jsonEscape], { expect, onTestFinished }) => {
      const cleanups = testCleanups(onTestFinished);
      const wallet = await cleanups.wallet();
      const userId = await createUser(wallet, '10');
      const body = JSON.stringify({ idempotentKey: `${uniqueKey('bad-key')}-X`, userId, amount: '1', type: 'credit' }).replace(
        '-X"',
        `-${jsonEscape}"`,
      );
      await sendRaw(wallet, body);
      const control = uniqueKey('control');
      await wallet.publishTransaction({ idempotentKey: control, userId, type: 'credit', amount: '2' });
      const replies = new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply);
      wallet.startWorker({ pollers: 1 });

      await replies.waitForKey(control);
      await drained(wallet);
      await expect(wallet.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '12.00' });
      await replies.drain();
      expect(replies.replies).toHaveLength(1);
    },
  );

  it('refuses an oversized reply on its own and still publishes the rest of its batch', async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await cleanups.wallet();
    const replies = new ReplyCollector(wallet.clients.sqs, wallet.queueUrls.reply);
    const reply = (idempotentKey: string, message = 'x'): Reply => ({
      idempotentKey,
      status: 'rejected',
      reason: 'invalid_command',
      issues: [{ path: '', message }],
      processedAt: new Date(0).toISOString(),
      replayed: false,
    });
    const keys = Array.from({ length: 8 }, (_, index) => uniqueKey(`small-${index}`));
    // Two of 900 KiB: together over what one SendMessageBatch may carry (1 MiB).
    const huge = () => reply(uniqueKey('huge'), 'x'.repeat(900 * 1024));
    const batch = [huge(), ...keys.slice(0, 4).map((key) => reply(key)), huge(), ...keys.slice(4).map((key) => reply(key))];

    const failures = await publishReplies(
      wallet.clients.sqs,
      batch.map((reply) => ({ reply, queueUrl: wallet.queueUrls.reply })),
      { fallbackQueueUrl: wallet.queueUrls.reply },
    );
    expect([...failures.keys()]).toEqual([0, 5]);
    expect(failures.get(0)).toBeInstanceOf(ReplyTooLargeError);
    for (const key of keys) await replies.waitForKey(key);
  });

  it('refuses a published command with thousands of unknown fields with a bounded list of issues', async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const wallet = await cleanups.wallet();
    const input = JSON.parse(bodyWithUnknownKeys(uniqueKey('publish'), 'u')) as unknown;
    const error = await wallet.publishTransaction(input).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(Buffer.byteLength(JSON.stringify((error as InvalidRequestError).issues))).toBeLessThan(2048);
    expect(await queueDepth(wallet.clients.sqs, wallet.queueUrls.command)).toBe(0);
  });
});
