import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueDepth } from '../../scripts/chaos/evidence.js';
import { parseCommand } from '../../src/messages/command.js';
import type { Wallet } from '../../src/wallet.js';
import { badBody, badCommand } from '../support/bad-commands.js';
import { eventually } from '../support/eventually.js';
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

/** A generated defective command with a fresh key, when its key is meant to be readable (so replies can be told apart). */
function withFreshKey(command: Record<string, unknown>): { body: string; key?: string } {
  const keyIsValid = parseCommand({ idempotentKey: command.idempotentKey, userId: 'u', amount: '1', type: 'credit' }).ok;
  if (!keyIsValid) return { body: JSON.stringify(command) };
  const key = uniqueKey('bad');
  return { body: JSON.stringify({ ...command, idempotentKey: key }), key };
}

/**
 * What SQS lets onto a queue. Real SQS also takes #x10000–#x10FFFF; fauxqs checks
 * UTF-16 code units and so refuses every astral character (an emulator gap), so
 * bodies with one are left out here; the unit properties cover them.
 */
const SQS_BODY = /^[\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD]*$/;

async function sendRaw(bodies: string[]): Promise<void> {
  for (let start = 0; start < bodies.length; start += 10) {
    const chunk = bodies.slice(start, start + 10);
    const { Failed = [] } = await wallet.clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: wallet.queueUrls.command,
        Entries: chunk.map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
    expect(Failed).toEqual([]);
  }
}

describe('adversarial input through the real worker', () => {
  it('answers generated bad bodies with invalid_command where a key is readable, writes nothing, and drains the queue', async () => {
    const commands = fc
      .sample(badCommand, { numRuns: 150, seed: 7 })
      .map(withFreshKey)
      .filter((command) => SQS_BODY.test(command.body))
      .slice(0, 40);
    // Bodies the key cannot be read from: broken JSON, non-objects and the like.
    const others = fc.sample(badBody, { numRuns: 15, seed: 11 }).filter((body) => SQS_BODY.test(body) && hasNoReadableKey(body));
    const readable = commands.flatMap((command) => (command.key ? [command.key] : []));
    expect(readable.length).toBeGreaterThan(20);

    const userId = await createUser(wallet, '10');
    const control = uniqueKey('after-the-garbage');
    // Over the worker's 256 KiB limit but within what SQS delivers (1 MiB): refused, and its producer told.
    const oversized = uniqueKey('oversized');
    readable.push(oversized);
    const huge = JSON.stringify({ idempotentKey: oversized, userId, amount: '1', type: 'credit', padding: 'x'.repeat(300 * 1024) });
    await sendRaw([...commands.map((command) => command.body), ...others, huge]);
    await wallet.publishTransaction({ idempotentKey: control, userId, type: 'credit', amount: '1' });

    // The valid command behind the garbage is applied: nothing blocked the queue.
    const [controlReply] = await replies.waitForKey(control);
    expect(controlReply).toMatchObject({ status: 'applied', newBalance: '11.00' });
    for (const key of readable) {
      const [reply] = await replies.waitForKey(key);
      expect(reply).toMatchObject({ idempotentKey: key, status: 'rejected', reason: 'invalid_command', replayed: false });
      expect(reply?.issues?.length).toBeGreaterThan(0);
      expect(reply?.transactionId).toBeUndefined();
      const { Item } = await wallet.clients.ddb.send(
        new GetCommand({ TableName: wallet.config.tables.transactions, Key: { idempotentKey: key } }),
      );
      expect(Item).toBeUndefined();
    }
    await eventually('the command queue drained', async () =>
      (await queueDepth(wallet.clients.sqs, wallet.queueUrls.command)) === 0 ? true : undefined,
    );
    expect(await queueDepth(wallet.clients.sqs, wallet.queueUrls.deadLetter)).toBe(0);
    await replies.drain();
    expect(replies.replies.filter((reply) => reply.reason === 'invalid_command')).toHaveLength(readable.length);
  });
});

function hasNoReadableKey(body: string): boolean {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return true;
  }
  const parsed = parseCommand(json);
  return !parsed.ok && parsed.idempotentKey === undefined;
}
