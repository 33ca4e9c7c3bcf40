import { describe, expect, it } from 'vitest';
import { useCleanups } from '../support/cleanups.js';
import { createUser, uniqueKey } from '../support/wallet.js';

describe('request and reply', () => {
  const cleanups = useCleanups();

  it('gives two waiters that use one key for two users each their own reply and nothing of the other', async () => {
    const wallet = await cleanups.wallet();
    wallet.startWorker();
    const pairs = await Promise.all(
      Array.from({ length: 10 }, async () => ({ key: uniqueKey('shared'), first: await createUser(wallet, '10.00'), second: await createUser(wallet, '20.00') })),
    );
    await Promise.all(
      pairs.map(async ({ key, first, second }) => {
        const [a, b] = await Promise.all([
          wallet.publishTransaction({ idempotentKey: key, userId: first, amount: '1.00', type: 'credit' }, { waitForReply: true, timeoutMs: 20_000 }),
          wallet.publishTransaction({ idempotentKey: key, userId: second, amount: '2.00', type: 'credit' }, { waitForReply: true, timeoutMs: 20_000 }),
        ]);
        // Each waiter hears about its own command: its user, its amount.
        expect(a.reply).toMatchObject({ idempotentKey: key, userId: first, amount: '1.00' });
        expect(b.reply).toMatchObject({ idempotentKey: key, userId: second, amount: '2.00' });
        // One was applied, the other refused as a reused key without the first one's balance.
        const [applied, refused] = a.reply?.status === 'applied' ? [a.reply, b.reply] : [b.reply, a.reply];
        expect(applied).toMatchObject({ status: 'applied', newBalance: applied?.userId === first ? '11.00' : '22.00' });
        expect(refused).toMatchObject({ status: 'rejected', reason: 'idempotency_key_reused' });
        expect(refused?.newBalance).toBeUndefined();
      }),
    );
  });
});
