import { parseArgs, runScript } from './support/run.js';

/** `npm run balance -- <userId>` */
await runScript(async (wallet) => {
  const [userId] = parseArgs(process.argv.slice(2)).positionals;
  if (!userId) throw new Error('usage: npm run balance -- <userId>');
  process.stdout.write(`${JSON.stringify(await wallet.getCurrentBalance({ userId }))}\n`);
});
