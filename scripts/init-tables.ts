import { runScript } from './support/run.js';

/** `npm run init-tables`: tables and queues exist (createWallet makes sure), then 10 new users. */
await runScript(
  {
    usage: 'npm run init-tables',
    description:
      'Makes sure the tables and queues of the running stack (or the configured endpoints) exist, then opens 10 new wallets in WALLET_DEFAULT_CURRENCY with balances from 50 to 120 and prints them.',
  },
  () => undefined,
  async (wallet) => {
    // Loaded once the command line is good (run.ts): --help and usage errors answer at once.
    const { seedUsers } = await import('../src/resources/seed.js');
    const users = await seedUsers(wallet.clients.ddb, wallet.config, 10);
    process.stdout.write(`tables ${wallet.config.tables.users}, ${wallet.config.tables.transactions} and queues ready; seeded:\n`);
    for (const user of users) process.stdout.write(`  ${user.userId}  balance ${user.balance}  ${user.currency}\n`);
  },
);
