import { RedriveIncompleteError, UsageError } from '../src/errors.js';
import { runScript } from './support/run.js';

/**
 * `npm run dlq -- list`: print every dead-lettered command (left on the DLQ).
 * `npm run dlq -- redrive`: move them all back to the command queue.
 */
await runScript(
  {
    usage: 'npm run dlq -- list|redrive',
    description: `list      prints every dead-lettered command (they stay on the dead-letter queue)
redrive   moves them all back to the command queue`,
    positionals: [1, 1],
  },
  ({ positionals: [action] }) => {
    if (action !== 'list' && action !== 'redrive') throw new UsageError(`unknown action ${JSON.stringify(action)}`);
    return action;
  },
  async (wallet, action) => {
    // Loaded once the command line is good (run.ts): --help and usage errors answer at once.
    const { listDeadLetters, redriveDeadLetters } = await import('../src/queue/dead-letters.js');
    if (action === 'list') {
      const letters = await listDeadLetters(wallet.clients.sqs, wallet.queueUrls.deadLetter);
      for (const letter of letters) process.stdout.write(`${JSON.stringify(letter)}\n`);
      process.stdout.write(`${letters.length} message(s) on ${wallet.config.queues.deadLetter}\n`);
    } else {
      const { moved, failed } = await redriveDeadLetters(wallet.clients.sqs, wallet.queueUrls);
      process.stdout.write(`moved ${moved} message(s) from ${wallet.config.queues.deadLetter} to ${wallet.config.queues.command}\n`);
      if (failed > 0) throw new RedriveIncompleteError(`${failed} message(s) could not be sent to the command queue; they stay on the DLQ`);
    }
  },
);
