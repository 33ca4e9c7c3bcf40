import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { parseStoredNumber } from '../../src/money/money.js';
import { createWallet } from '../../src/wallet.js';
import { useCleanups } from '../support/cleanups.js';
import { checkLedger } from '../support/ledger-check.js';
import { externalFlow, moneyMoveCommands, moneyMoveStep } from '../support/money-move-steps.js';
import { ReplyCollector } from '../support/reply-collector.js';
import { createUser, envFor, testEnv, uniqueKey } from '../support/wallet.js';

const cleanups = useCleanups();

describe('money moves under concurrency (fast-check, two workers)', () => {
  it('keeps available ≥ 0, balance ≥ held, rule 6 for balance and held, and conserves money, whatever the mix and the order', async () => {
    const w = await cleanups.wallet({ WALLET_POLLERS: '2' });
    const second = await createWallet({
      config: loadConfig({ ...testEnv(), ...envFor(w, { LOG_LEVEL: 'silent', WALLET_POLLERS: '2' }) }),
      logger: createLogger('silent'),
    });
    cleanups.defer(() => second.close());
    w.startWorker();
    second.startWorker();
    const replies = new ReplyCollector(w.clients.sqs, w.queueUrls.reply);

    await fc.assert(
      fc.asyncProperty(fc.array(moneyMoveStep, { minLength: 20, maxLength: 50 }), async (steps) => {
        const openings = ['40', '25', '10'];
        const users = [
          await createUser(w, openings[0] ?? '0'),
          await createUser(w, openings[1] ?? '0'),
          await createUser(w, openings[2] ?? '0'),
        ];
        const commands = moneyMoveCommands(steps, users, uniqueKey('run'));
        // All at once, so the two workers decide them concurrently and in no particular order.
        await Promise.all(commands.map((command) => w.publishTransaction(command)));
        for (const command of commands) await replies.waitForKey(command.idempotentKey);

        let external = 0n;
        for (const command of commands) {
          const [reply] = replies.forKey(command.idempotentKey);
          expect(reply?.replayed, command.idempotentKey).toBe(false);
          if (reply?.status !== 'applied') continue;
          external += externalFlow(command, parseStoredNumber(reply.amount ?? '0'), commands);
        }
        let total = 0n;
        for (const [index, userId] of users.entries()) {
          const ledger = await checkLedger(w, userId, openings[index] ?? '0');
          expect(ledger.problems, userId).toEqual([]);
          const balance = await w.getCurrentBalance({ userId });
          expect(parseStoredNumber(balance.available)).toBeGreaterThanOrEqual(0n);
          expect(parseStoredNumber(balance.balance)).toBeGreaterThanOrEqual(parseStoredNumber(balance.held));
          total += parseStoredNumber(balance.balance);
        }
        expect(total).toBe(75_000n + external);
      }),
      { numRuns: 4 },
    );
  }, 180_000);
});
