import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import { queueDepth } from '../../scripts/chaos/evidence.js';
import { loadConfig } from '../../src/config.js';
import { listDeadLetters, redriveDeadLetters } from '../../src/queue/dead-letters.js';
import { createWallet, type Wallet } from '../../src/wallet.js';
import { runScript } from '../support/child-process.js';
import { eventually } from '../support/eventually.js';
import { capturingLogger } from '../support/log-capture.js';
import { useCleanups } from '../support/cleanups.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { TcpProxy } from '../../scripts/support/tcp-proxy.js';
import { createUser, envFor, testEnv, uniqueKey } from '../support/wallet.js';

const cleanups = useCleanups();

const wallet = cleanups.wallet;

async function deadLetter(w: Wallet, body: string): Promise<void> {
  await w.clients.sqs.send(new SendMessageCommand({ QueueUrl: w.queueUrls.deadLetter, MessageBody: body }));
}

describe('the dead-letter queue', () => {
  it('lists dead-lettered commands with body, receive count and first-receive time, without consuming them', async () => {
    const w = await wallet();
    const bodies = [1, 2, 3].map((n) => JSON.stringify({ idempotentKey: uniqueKey(`dead-${n}`), userId: 'u', amount: String(n), type: 'credit' }));
    for (const body of bodies) await deadLetter(w, body);

    const first = await listDeadLetters(w.clients.sqs, w.queueUrls.deadLetter);
    expect(first.map((letter) => letter.body).sort()).toEqual([...bodies].sort());
    for (const letter of first) {
      expect(letter.receiveCount).toBeGreaterThanOrEqual(1);
      expect(Date.parse(letter.firstReceivedAt ?? '')).not.toBeNaN();
    }
    // Released at once: a second listing (or an operator's redrive) sees them all again.
    const second = await listDeadLetters(w.clients.sqs, w.queueUrls.deadLetter);
    expect(second.map((letter) => letter.messageId).sort()).toEqual(first.map((letter) => letter.messageId).sort());
    expect(await queueDepth(w.clients.sqs, w.queueUrls.deadLetter)).toBe(3);
  });

  it('logs why a command keeps failing on every delivery, up to the last one before the DLQ, and redrives it to be applied once', async () => {
    const proxy = await TcpProxy.start(inject('endpoints').dynamodb);
    cleanups.defer(() => proxy.close());
    const { logger, lines } = capturingLogger('warn');
    const w = await createWallet({
      config: loadConfig(testEnv({ AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint, WALLET_MAX_RECEIVE_COUNT: '2', WALLET_RETRY_BASE_SECONDS: '0' })),
      logger,
    });
    cleanups.defer(() => w.close());
    const userId = await createUser(w, '10');
    const key = uniqueKey('poison');
    proxy.cut();
    const worker = w.startWorker({ pollers: 1 });
    await w.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '5' });
    await eventually('the command in the DLQ', async () => ((await queueDepth(w.clients.sqs, w.queueUrls.deadLetter)) === 1 ? true : undefined));

    const reasons = lines.filter((line) => line.idempotentKey === key && Boolean(line.err));
    expect(reasons.map((line) => [line.receiveCount, line.msg])).toEqual([
      [1, 'command not decided; it will be redelivered'],
      [2, 'command failed on its last delivery; SQS moves it to the dead-letter queue'],
    ]);
    expect(reasons.map((line) => (line.err as { code?: string }).code)).toEqual(['store_unavailable', 'store_unavailable']);

    await worker.stop();
    proxy.restore();
    await expect(redriveDeadLetters(w.clients.sqs, w.queueUrls)).resolves.toEqual({ moved: 1, failed: 0 });
    await expect(redriveDeadLetters(w.clients.sqs, w.queueUrls)).resolves.toEqual({ moved: 0, failed: 0 });
    expect(await queueDepth(w.clients.sqs, w.queueUrls.deadLetter)).toBe(0);

    const replies = new ReplyCollector(w.clients.sqs, w.queueUrls.reply);
    w.startWorker({ pollers: 1 });
    const [reply] = await replies.waitForKey(key);
    expect(reply).toMatchObject({ status: 'applied', newBalance: '15.00' });
    await expect(w.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '15.00' });
  });

  it('npm run dlq -- list and redrive work from the command line', async () => {
    const w = await wallet();
    const env = { ...testEnv(), ...envFor(w) };
    const body = JSON.stringify({ idempotentKey: uniqueKey('cli'), userId: 'u', amount: '1', type: 'credit' });
    await deadLetter(w, body);

    const list = runScript('scripts/dlq.ts', env, ['list']);
    expect(await list.exited).toBe(0);
    expect(list.output()).toContain(JSON.stringify(body));
    expect(list.output()).toContain('1 message(s)');

    const redrive = runScript('scripts/dlq.ts', env, ['redrive']);
    expect(await redrive.exited).toBe(0);
    expect(redrive.output()).toContain('moved 1 message(s)');
    expect(await queueDepth(w.clients.sqs, w.queueUrls.deadLetter)).toBe(0);
    expect(await queueDepth(w.clients.sqs, w.queueUrls.command)).toBe(1);
  });
});

