import { listDeadLetters, redriveDeadLetters } from '../src/queue/dead-letters.js';
import { parseArgs, runScript } from './support/run.js';

/**
 * `npm run dlq -- list`: print every dead-lettered command (left on the DLQ).
 * `npm run dlq -- redrive`: move them all back to the command queue.
 */
await runScript(async (wallet) => {
  const [action] = parseArgs(process.argv.slice(2)).positionals;
  if (action === 'list') {
    const letters = await listDeadLetters(wallet.clients.sqs, wallet.queueUrls.deadLetter);
    for (const letter of letters) process.stdout.write(`${JSON.stringify(letter)}\n`);
    process.stdout.write(`${letters.length} message(s) on ${wallet.config.queues.deadLetter}\n`);
  } else if (action === 'redrive') {
    const { moved, failed } = await redriveDeadLetters(wallet.clients.sqs, wallet.queueUrls);
    process.stdout.write(`moved ${moved} message(s) from ${wallet.config.queues.deadLetter} to ${wallet.config.queues.command}\n`);
    if (failed > 0) throw new Error(`${failed} message(s) could not be sent to the command queue; they stay on the DLQ`);
  } else {
    throw new Error('usage: npm run dlq -- list|redrive');
  }
});
