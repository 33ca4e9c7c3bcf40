import { runScript } from './support/run.js';

/** `npm run balance -- <userId>` */
await runScript(
  {
    usage: 'npm run balance -- <userId>',
    description: "Prints a user's balance as JSON ({ userId, balance, ... }), read from the running stack.",
    positionals: [1, 1],
  },
  ({ positionals: [userId = ''] }) => ({ userId }),
  async (wallet, { userId }) => {
    process.stdout.write(`${JSON.stringify(await wallet.getCurrentBalance({ userId }))}\n`);
  },
);
