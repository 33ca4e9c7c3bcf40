import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/messages/command.js';
import { queueDepth } from '../../scripts/chaos/evidence.js';
import { eventually } from '../support/eventually.js';
import { checkLedger } from '../support/ledger-check.js';
import { useCleanups } from '../support/cleanups.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { capturingLogger } from '../support/log-capture.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { createUser, envFor, testEnv, uniqueKey } from '../support/wallet.js';
import { inject } from 'vitest';
import { createWallet } from '../../src/wallet.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';

const cleanups = useCleanups();

const wallet = cleanups.wallet;


describe('crashes, redeliveries and outages', () => {
  it('re-publishes the stored outcome when a worker dies after the commit and before the reply', async () => {
    const w = await wallet();
    const userId = await createUser(w, '50');
    const key = uniqueKey('crash');
    let crashes = 0;
    w.startWorker({
      hooks: {
        afterApply(command: Command) {
          if (command.idempotentKey === key && crashes++ === 0) throw new Error('simulated crash after commit');
        },
      },
    });
    const replies = new ReplyCollector(w.clients.sqs, w.queueUrls.reply);
    await w.publishTransaction({ idempotentKey: key, userId, type: 'debit', amount: '20' });
    const [reply] = await replies.waitForKey(key);
    expect(crashes).toBe(2);
    expect(reply).toMatchObject({ status: 'applied', newBalance: '30.00', replayed: true });
    await replies.drain();
    expect(replies.forKey(key)).toHaveLength(1);
    await expect(w.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '30.00' });
    expect((await checkLedger(w, userId, '50')).applied).toHaveLength(1);
  });

  it('applies once when the same SQS message is redelivered to a second worker while the first is still busy with it', async () => {
    const env = { WALLET_VISIBILITY_TIMEOUT_SECONDS: '2' };
    const first = await wallet(env);
    const second = await createWallet({ config: loadConfig({ ...testEnv(), ...envFor(first, { ...env, LOG_LEVEL: 'silent' }) }), logger: createLogger('silent') });
    cleanups.defer(() => second.close());
    const replies = new ReplyCollector(first.clients.sqs, first.queueUrls.reply);
    const userId = await createUser(first, '10');
    const key = uniqueKey('slow');

    let entered: () => void = () => undefined;
    const firstIsBusy = new Promise<void>((resolve) => (entered = resolve));
    first.startWorker({
      pollers: 1,
      hooks: {
        async afterApply(command) {
          if (command.idempotentKey !== key) return;
          entered();
          // Stall past the visibility timeout until the other worker has answered the redelivery.
          await replies.waitForKey(key);
        },
      },
    });
    await first.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '5' });
    await firstIsBusy;
    second.startWorker({ pollers: 1 });

    const both = await replies.waitForKey(key, 2);
    expect(both.map((reply) => reply.replayed)).toEqual([true, false]);
    expect({ ...both[0], replayed: false }).toEqual(both[1]);
    await expect(first.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '15.00' });
  });

  it('retries through a DynamoDB outage and applies each command exactly once when it is back', async () => {
    const proxy = await TcpProxy.start(inject('endpoints').dynamodb);
    cleanups.defer(() => proxy.close());
    const { logger, lines } = capturingLogger('warn');
    const w = await createWallet({ config: loadConfig(testEnv({ AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint, WALLET_MAX_RECEIVE_COUNT: '10' })), logger });
    cleanups.defer(() => w.close());
    const userId = await createUser(w, '100');
    const replies = new ReplyCollector(w.clients.sqs, w.queueUrls.reply);
    w.startWorker();

    proxy.cut();
    const keys = Array.from({ length: 5 }, (_, index) => uniqueKey(`outage-${index}`));
    for (const key of keys) await w.publishTransaction({ idempotentKey: key, userId, type: 'debit', amount: '10' });
    // Wait until SQS has delivered a command a second time: the outage outlasted the SDK's own retries.
    await eventually('a failed second delivery', () =>
      lines.some((line) => line.msg === 'command not decided; it will be redelivered' && Number(line.receiveCount) >= 2) ? true : undefined,
    );
    proxy.restore();

    const all = await replies.waitForCount(keys.length);
    expect(all.every((reply) => reply.status === 'applied' && !reply.replayed)).toBe(true);
    expect(new Set(all.map((reply) => reply.idempotentKey))).toEqual(new Set(keys));
    await expect(w.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '50.00' });
    expect((await checkLedger(w, userId, '100')).problems).toEqual([]);
    expect(await queueDepth(w.clients.sqs, w.queueUrls.deadLetter)).toBe(0);
  });

  it('moves a command that keeps failing to the dead-letter queue after maxReceiveCount', async () => {
    const proxy = await TcpProxy.start(inject('endpoints').dynamodb);
    cleanups.defer(() => proxy.close());
    const w = await wallet({ AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint, WALLET_MAX_RECEIVE_COUNT: '2', WALLET_RETRY_BASE_SECONDS: '0' });
    proxy.cut();
    w.startWorker({ pollers: 1 });
    await w.publishTransaction({ idempotentKey: uniqueKey('poison'), userId: 'u', type: 'credit', amount: '1' });
    await eventually('the command in the DLQ', async () => ((await queueDepth(w.clients.sqs, w.queueUrls.deadLetter)) === 1 ? true : undefined));
  });
});

