import { describe, it } from 'vitest';
import type { Command } from '../../src/messages/command.js';
import { queueDepth } from '../../scripts/chaos/evidence.js';
import { eventually } from '../support/eventually.js';
import { checkLedger } from '../support/ledger-check.js';
import { testCleanups } from '../support/cleanups.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { capturingLogger } from '../support/log-capture.js';
import { TcpProxy } from '../../scripts/support/tcp-proxy.js';
import { createUser, envFor, testEnv, uniqueKey } from '../support/wallet.js';
import { inject } from 'vitest';
import { createWallet } from '../../src/wallet.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { listDeadLetters } from '../../src/queue/dead-letters.js';

// The cases run side by side, each on queues (and a proxy) of its own: most of their time is spent
// waiting out visibility timeouts and outages, which overlap instead of adding up. Each case has its
// own cleanups and uses its own `expect`.
describe.concurrent('crashes, redeliveries and outages', () => {
  it('re-publishes the stored outcome when a worker dies after the commit and before the reply', async ({ expect, onTestFinished }) => {
    const cleanups = testCleanups(onTestFinished);
    const w = await cleanups.wallet();
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

  it('keeps a message invisible while its worker is still busy with it (heartbeat), so a second worker never gets it', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const env = { WALLET_VISIBILITY_TIMEOUT_SECONDS: '2' };
    const first = await cleanups.wallet(env);
    const second = await createWallet({
      config: loadConfig({ ...testEnv(), ...envFor(first, { ...env, LOG_LEVEL: 'silent' }) }),
      logger: createLogger('silent'),
    });
    cleanups.defer(() => second.close());
    const replies = new ReplyCollector(first.clients.sqs, first.queueUrls.reply);
    const userId = await createUser(first, '10');
    const key = uniqueKey('slow');
    const seenBySecond: string[] = [];

    let entered: () => void = () => undefined;
    const firstIsBusy = new Promise<void>((resolve) => (entered = resolve));
    let finish: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (finish = resolve));
    first.startWorker({
      pollers: 1,
      hooks: {
        async afterApply(command) {
          if (command.idempotentKey !== key) return;
          entered();
          await released;
        },
      },
    });
    await first.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '5' });
    await firstIsBusy;
    second.startWorker({ pollers: 1, hooks: { afterApply: (command) => void seenBySecond.push(command.idempotentKey) } });
    // Four visibility timeouts: without the heartbeat the message would be handed to the second worker.
    const marker = uniqueKey('marker');
    const markerUser = await createUser(first, '1');
    for (let beat = 0; beat < 4; beat++) {
      const probe = `${marker}-${beat}`;
      await first.publishTransaction({ idempotentKey: probe, userId: markerUser, type: 'credit', amount: '1' });
      await replies.waitForKey(probe);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    finish();

    const [reply] = await replies.waitForKey(key);
    expect(reply).toMatchObject({ status: 'applied', newBalance: '15.00', replayed: false });
    expect(seenBySecond).not.toContain(key);
    await replies.drain();
    expect(replies.forKey(key)).toHaveLength(1);
  });

  for (const kind of ['refuses connections', 'hangs'] as const) {
    it(`rides out a DynamoDB outage that ${kind} far past the old retry budget, with the default maxReceiveCount: every command applied once, nothing dead-lettered`, async ({
      expect,
      onTestFinished,
    }) => {
      const cleanups = testCleanups(onTestFinished);
      const proxy = await TcpProxy.start(inject('endpoints').dynamodb);
      cleanups.defer(() => proxy.close());
      const { logger, lines } = capturingLogger('debug');
      // Retry delays of 0 s: the old design dead-lettered every waiting command within a second of outage.
      const w = await createWallet({
        config: loadConfig(
          testEnv({ AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint, WALLET_RETRY_BASE_SECONDS: '0', WALLET_VISIBILITY_TIMEOUT_SECONDS: '3' }),
        ),
        logger,
      });
      cleanups.defer(() => w.close());
      expect(w.config.maxReceiveCount).toBe(5);
      const userId = await createUser(w, '100');
      const replies = new ReplyCollector(w.clients.sqs, w.queueUrls.reply);
      w.startWorker();

      if (kind === 'hangs') proxy.hang();
      else proxy.cut();
      const keys = Array.from({ length: 5 }, (_, index) => uniqueKey(`outage-${index}`));
      for (const key of keys) await w.publishTransaction({ idempotentKey: key, userId, type: 'debit', amount: '10' });
      if (kind === 'refuses connections') {
        await eventually('the worker to pause', () =>
          lines.some((line) => line.msg === 'store unavailable: pausing until it answers again') ? true : undefined,
        );
        // Well past maxReceiveCount × visibility timeout: only a held message with a heartbeat survives this.
        await eventually('ten probes of the store', () => (proxy.refusedConnections >= 10 ? true : undefined), 60_000);
      } else {
        // Hung requests wait on their sockets; the messages must stay invisible for several visibility timeouts.
        await new Promise((resolve) => setTimeout(resolve, 10_000));
      }
      // The connections that hung stay open and silent: only the client's own request timeout ends those calls.
      proxy.restore({ resetHung: false });

      const all = await replies.waitForCount(keys.length, 90_000);
      expect(all.every((reply) => reply.status === 'applied' && !reply.replayed)).toBe(true);
      expect(new Set(all.map((reply) => reply.idempotentKey))).toEqual(new Set(keys));
      await expect(w.getCurrentBalance({ userId })).resolves.toMatchObject({ balance: '50.00' });
      expect((await checkLedger(w, userId, '100')).problems).toEqual([]);
      expect(await queueDepth(w.clients.sqs, w.queueUrls.deadLetter)).toBe(0);
      const decided = lines.filter((line) => line.msg === 'command decided');
      expect(decided.map((line) => line.receiveCount)).toEqual(keys.map(() => 1));
    }, 150_000);
  }

  it('stops within seconds while DynamoDB hangs (SIGTERM during an outage), and the command it held is applied once later', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const proxy = await TcpProxy.start(inject('endpoints').dynamodb);
    cleanups.defer(() => proxy.close());
    const env = testEnv({ AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint, WALLET_VISIBILITY_TIMEOUT_SECONDS: '3' });
    const first = await createWallet({ config: loadConfig(env), logger: createLogger('silent') });
    const userId = await createUser(first, '10');
    const worker = first.startWorker({ pollers: 1 });
    proxy.hang();
    const key = uniqueKey('held-in-a-hang');
    await first.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '1' });
    await eventually('a call hung on DynamoDB', () => (proxy.hungConnections > 0 ? true : undefined));
    const stopping = Date.now();
    await worker.stop();
    // The engine gives up on calls still hung 5 s into a stop: well inside an orchestrator's grace period.
    const stoppedAfterMs = Date.now() - stopping;
    expect(stoppedAfterMs).toBeLessThan(15_000);
    await first.close();

    proxy.restore({ resetHung: false });
    const second = await cleanups.wallet({
      ...env,
      WALLET_COMMAND_QUEUE: first.config.queues.command,
      WALLET_REPLY_QUEUE: first.config.queues.reply,
      WALLET_DEAD_LETTER_QUEUE: first.config.queues.deadLetter,
    });
    const replies = new ReplyCollector(second.clients.sqs, second.queueUrls.reply);
    second.startWorker();
    const [reply] = await replies.waitForKey(key, 1, 60_000);
    expect(reply).toMatchObject({ status: 'applied', newBalance: '11.00' });
    expect((await checkLedger(second, userId, '10')).applied).toHaveLength(1);
  }, 120_000);

  it('moves a command whose handling keeps failing while the store is healthy to the dead-letter queue after maxReceiveCount', async ({
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const w = await cleanups.wallet({ WALLET_MAX_RECEIVE_COUNT: '2', WALLET_RETRY_BASE_SECONDS: '0' });
    const userId = await createUser(w, '1');
    const key = uniqueKey('always-fails');
    w.startWorker({
      pollers: 1,
      hooks: {
        afterApply(command) {
          if (command.idempotentKey === key) throw new Error('the reply step keeps failing');
        },
      },
    });
    await w.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '1' });
    await eventually('the command in the DLQ', async () =>
      (await queueDepth(w.clients.sqs, w.queueUrls.deadLetter)) === 1 ? true : undefined,
    );
  });

  it('sends a command for a user whose balance is not money to the DLQ at once, with the reason, instead of retrying it as an outage', async ({
    expect,
    onTestFinished,
  }) => {
    const cleanups = testCleanups(onTestFinished);
    const { logger, lines } = capturingLogger('warn');
    const w = await createWallet({ config: loadConfig(testEnv()), logger });
    cleanups.defer(() => w.close());
    const userId = `poison-${uniqueKey()}`;
    await w.clients.ddb.send(new PutCommand({ TableName: w.config.tables.users, Item: { userId, balance: 'a lot' } }));
    const sane = await createUser(w, '5');
    const replies = new ReplyCollector(w.clients.sqs, w.queueUrls.reply);
    w.startWorker();
    const key = uniqueKey('poison');
    await w.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '1' });
    const fine = uniqueKey('fine');
    await w.publishTransaction({ idempotentKey: fine, userId: sane, type: 'credit', amount: '1' });

    await replies.waitForKey(fine);
    const [letter] = await eventually('the poison command on the DLQ', async () => {
      const letters = await listDeadLetters(w.clients.sqs, w.queueUrls.deadLetter);
      return letters.length === 1 ? letters : undefined;
    });
    expect(JSON.parse(letter?.body ?? '{}')).toMatchObject({ idempotentKey: key });
    expect(letter?.receiveCount).toBe(1);
    expect(lines.some((line) => line.msg?.toString().startsWith('command can never be decided') && line.idempotentKey === key)).toBe(true);
    expect(lines.some((line) => line.msg === 'store unavailable: pausing until it answers again')).toBe(false);
    expect(await queueDepth(w.clients.sqs, w.queueUrls.command)).toBe(0);
    expect(replies.forKey(key)).toEqual([]);
  });
});
