import { describe, expect, it } from 'vitest';
import type { Wallet } from '../../src/wallet.js';
import { runScript, type RunningScript } from '../support/child-process.js';
import { checkLedger } from '../support/ledger-check.js';
import { useCleanups } from '../support/cleanups.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { createUser, envFor, uniqueKey } from '../support/wallet.js';

const cleanups = useCleanups();

const wallet = cleanups.wallet;

async function publishCredits(w: Wallet, userId: string, count: number): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, index) => uniqueKey(`stop-${index}`));
  await Promise.all(keys.map((key) => w.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '1' })));
  return keys;
}

describe('graceful shutdown', () => {
  it('finishes the messages in flight before stop() resolves; nothing is lost or applied twice', async () => {
    const w = await wallet();
    const userId = await createUser(w, '0');
    const keys = await publishCredits(w, userId, 12);
    const replies = new ReplyCollector(w.clients.sqs, w.queueUrls.reply);

    let entered: () => void = () => undefined;
    let release: () => void = () => undefined;
    const busy = new Promise<void>((resolve) => (entered = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    let heldKey: string | undefined;
    const worker = w.startWorker({
      pollers: 1,
      hooks: {
        async afterApply(command) {
          if (heldKey !== undefined) return;
          heldKey = command.idempotentKey;
          entered();
          await gate;
        },
      },
    });
    await busy;
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await replies.drain();
    expect(stopped).toBe(false);
    expect(replies.forKey(heldKey ?? '')).toHaveLength(0);
    release();
    await stopping;
    // The held message was answered before stop() returned.
    await replies.drain();
    expect(replies.forKey(heldKey ?? '')).toHaveLength(1);

    // A second worker drains whatever the first had not received; each command is applied once.
    w.startWorker({ pollers: 1 });
    await replies.waitForCount(keys.length);
    await replies.drain();
    expect(replies.replies.map((reply) => reply.idempotentKey).sort()).toEqual([...keys].sort());
    expect(replies.replies.every((reply) => reply.status === 'applied' && !reply.replayed)).toBe(true);
    await expect(w.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '12.00' });
    expect((await checkLedger(w, userId, '0')).problems).toEqual([]);
  });

  it('exits 0 on SIGTERM with commands in flight, and every command is still applied exactly once', async () => {
    const w = await wallet();
    const userId = await createUser(w, '0');
    const keys = await publishCredits(w, userId, 40);
    const replies = new ReplyCollector(w.clients.sqs, w.queueUrls.reply);
    const env = envFor(w, {
      WALLET_WAIT_TIME_SECONDS: '1',
      WALLET_VISIBILITY_TIMEOUT_SECONDS: '5',
      LOG_LEVEL: 'info',
    });
    const worker: RunningScript = runScript('scripts/start.ts', env);
    cleanups.defer(() => void worker.child.kill('SIGKILL'));
    await worker.waitForOutput(/"msg":"command decided"/);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('"msg":"worker stopped"');

    w.startWorker();
    await replies.waitForCount(keys.length);
    await replies.drain();
    expect(new Set(replies.replies.map((reply) => reply.idempotentKey))).toEqual(new Set(keys));
    await expect(w.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '40.00' });
    expect((await checkLedger(w, userId, '0')).applied).toHaveLength(40);
  });
});
