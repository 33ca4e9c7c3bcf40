import { auditLedger } from '../src/audit/verify-ledger.js';
import { progressText, reportText } from '../src/audit/report-text.js';
import { runScript } from './support/run.js';

/**
 * `npm run verify [-- --json true]`: audits the whole ledger of the configured
 * stack (SPEC "Ledger audit"): rule 6 and the hash chain for every user.
 * Prints a summary and every discrepancy; exits 1 when there is one. Progress
 * goes to stderr, only on a terminal.
 */
await runScript(
  {
    usage: 'npm run verify [-- --json]',
    description:
      'Audits the whole ledger of the running stack (or the configured endpoint): rule 6 and the hash chain of every user. Exits 1 on a discrepancy.',
    switches: ['json'],
  },
  ({ switches }) => ({ json: switches.has('json') }),
  async (wallet, { json }) => {
    const tty = process.stderr.isTTY;
    let lastDrawn = 0;
    const report = await auditLedger(
      { ddb: wallet.clients.ddb, config: wallet.config },
      {
        onProgress: (progress) => {
          if (!tty || Date.now() - lastDrawn < 200) return;
          lastDrawn = Date.now();
          process.stderr.write(`\r\x1b[2K${progressText(progress)}`);
        },
      },
    );
    if (tty) process.stderr.write('\r\x1b[2K');
    const source = `${wallet.config.tables.users} / ${wallet.config.tables.transactions} at ${wallet.config.endpoints.dynamodb ?? `AWS ${wallet.config.region}`}`;
    process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : reportText(report, source));
    return report.discrepancyCount === 0 ? 0 : 1;
  },
);
