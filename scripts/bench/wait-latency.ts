import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { buildApi } from '../../src/http/build-api.js';
import { createLogger } from '../../src/logger.js';
import { benchUserIds, openPhase, phaseEnv, seedBenchUsers, startBenchStack } from './stack.js';
import { round, summarize } from './stats.js';
import { startWorkerProcesses } from './worker-pool.js';

/**
 * `npm run bench:wait [-- --waiters 20,200 --rounds 5]`: latency of the HTTP
 * gateway's `POST /transactions?wait=true` with N requests in flight at once.
 * A private embedded stack on free ports, one worker process, the gateway in
 * this process; each round sends N debits for N different users at once and
 * times each request from send to 200. Prints a table; a figure, not a test.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({
  options: {
    waiters: { type: 'string', default: '20,200' },
    rounds: { type: 'string', default: '5' },
    'timeout-ms': { type: 'string', default: '30000' },
  },
});
const waiterCounts = values.waiters.split(',').map(Number);
const rounds = Number(values.rounds);
const timeoutMs = Number(values['timeout-ms']);
if (waiterCounts.some((count) => !Number.isInteger(count) || count < 1) || !Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write('usage: npm run bench:wait -- [--waiters 20,200] [--rounds 5] [--timeout-ms 30000]\n');
  process.exit(2);
}

const logger = createLogger('warn', 'bench-wait');
process.stderr.write(
  `load average at start: ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}\n`,
);
const stack = await startBenchStack(logger, 512);
const rows: string[] = [];
let failed = false;
try {
  for (const waiters of waiterCounts) {
    // One client address sends every round: the gateway's per-principal rate limit would measure itself, not the wait.
    const env = phaseEnv(stack, `wait-${waiters}`, { WALLET_API_RATE_LIMIT: String(waiters * rounds * 10) });
    const wallet = await openPhase(env, logger);
    const users = benchUserIds(waiters);
    await seedBenchUsers(wallet, users);
    const workers = await startWorkerProcesses(1, env);
    const app = await buildApi({ wallet });
    const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const sendRound = async (label: string) =>
        Promise.all(
          users.map(async (userId, index) => {
            const started = performance.now();
            const response = await fetch(`${baseUrl}/transactions?wait=true&timeoutMs=${timeoutMs}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ idempotentKey: `${label}-${index}-${started}`, userId, amount: '0.01', type: 'debit' }),
            });
            await response.arrayBuffer();
            return { ms: performance.now() - started, ok: response.status === 200 };
          }),
        );
      // Unmeasured: the listener's queue, connections, and DynamoDB Local's JIT on fresh tables.
      for (let index = 0; index < 3; index++) await sendRound(`warm-up-${index}`);
      const samples: number[] = [];
      let errors = 0;
      for (let index = 0; index < rounds; index++) {
        for (const result of await sendRound(`round-${index}`)) {
          samples.push(result.ms);
          if (!result.ok) errors++;
        }
        process.stderr.write(`${waiters} waiters: round ${index + 1}/${rounds} done\n`);
      }
      const { p50, p99, max } = summarize(samples);
      failed ||= errors > 0;
      rows.push(`| ${waiters} | ${samples.length} | ${round(p50)} | ${round(p99)} | ${round(max)} | ${errors} |`);
    } finally {
      await app.close();
      await workers.stop();
      await wallet.close();
    }
  }
} finally {
  await stack.stop();
}
process.stdout.write(
  `${['| concurrent waiters | requests | p50 ms | p99 ms | max ms | not 200 |', '|---|---|---|---|---|---|', ...rows].join('\n')}\n`,
);
process.stderr.write(
  `load average at end: ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}\n`,
);
process.exit(failed ? 1 : 0);
