/**
 * `npm run chaos [-- --commands N --users N --workers N --kills N --ddb-restarts N --ddb-crash true --seed N
 *   --outage-refuse-seconds N --outage-hang-seconds N --outage-commands N --outage-drain-seconds N --outage-hung-stay-silent true|false --bulkhead-commands N]`:
 * the full chaos run, then the outage phases (0 seconds skips one), then the
 * bulkhead phase (0 commands skips it). Prints
 * progress, then as its last line `CHAOS {...figures}`; exits non-zero when
 * any invariant failed.
 */
import { UsageError } from '../../src/errors.js';
import { exitWithUsage, parseCommandLine, type ScriptHelp } from '../support/args.js';
import { FULL_RUN, type ChaosOptions } from './chaos-options.js';

const help: ScriptHelp = {
  usage:
    'npm run chaos [-- --commands N --users N --workers N --kills N --ddb-restarts N --ddb-crash true --seed N ' +
    '--outage-refuse-seconds N --outage-hang-seconds N --outage-commands N --outage-drain-seconds N --outage-hung-stay-silent true|false --bulkhead-commands N]',
  description: `The chaos run on its own embedded stack: worker processes killed, DynamoDB Local restarted, faults injected,
duplicates and bad input; then DynamoDB refusing connections, then hanging (180 s each by default; 0 skips one), with
the worker's default settings and nothing redriven; then corrupt items among the traffic and a hot wallet throttled in
bursts (every poison command dead-lettered at once, no healthy one); then every invariant is checked. The last line is CHAOS {...figures};
exit 1 when one failed.`,
  flags: [
    'commands',
    'users',
    'workers',
    'kills',
    'ddb-restarts',
    'ddb-crash',
    'seed',
    'outage-refuse-seconds',
    'outage-hang-seconds',
    'outage-commands',
    'outage-drain-seconds',
    'outage-hung-stay-silent',
    'bulkhead-commands',
  ],
};
const { flags } = parseCommandLine(help);
const number = (name: string, fallback: number) => {
  if (!flags.has(name)) return fallback;
  const value = Number(flags.get(name));
  if (!Number.isInteger(value) || value < 0)
    exitWithUsage(help, new UsageError(`--${name} must be a whole number, not ${JSON.stringify(flags.get(name))}`));
  return value;
};
const options: ChaosOptions = {
  ...FULL_RUN,
  plan: { ...FULL_RUN.plan, commands: number('commands', FULL_RUN.plan.commands), users: number('users', FULL_RUN.plan.users) },
  workers: number('workers', FULL_RUN.workers),
  kills: number('kills', FULL_RUN.kills),
  ddbRestarts: number('ddb-restarts', FULL_RUN.ddbRestarts),
  ddbCrash: flags.get('ddb-crash') === 'true',
  outage: {
    ...FULL_RUN.outage,
    refuseMs: number('outage-refuse-seconds', FULL_RUN.outage.refuseMs / 1000) * 1000,
    hangMs: number('outage-hang-seconds', FULL_RUN.outage.hangMs / 1000) * 1000,
    commandsPerPhase: number('outage-commands', FULL_RUN.outage.commandsPerPhase),
    hungStaySilent: flags.get('outage-hung-stay-silent') !== 'false',
    drainTimeoutMs: number('outage-drain-seconds', FULL_RUN.outage.drainTimeoutMs / 1000) * 1000,
  },
  bulkhead: { ...FULL_RUN.bulkhead, commands: number('bulkhead-commands', FULL_RUN.bulkhead.commands) },
  seed: number('seed', FULL_RUN.seed),
};
const started = Date.now();
const log = (line: string) => process.stdout.write(`[chaos ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);

let exitCode = 1;
try {
  // Loaded once the command line is good: --help and usage errors answer at once.
  const { runChaos } = await import('./harness.js');
  const result = await runChaos(options, log);
  log(`faults injected: ${JSON.stringify(result.faults)}; dead-lettered and redriven in the chaos phase: ${result.deadLettered}`);
  log(
    `outage phases: ${JSON.stringify(result.figures.outage_ms)} ms, backlog drained after the store's return in ${JSON.stringify(result.figures.outage_drain_ms)} ms`,
  );
  if (result.figures.bulkhead) log(`bulkhead phase: ${JSON.stringify(result.figures.bulkhead)}`);
  for (const problem of result.problems.slice(0, 50)) log(`PROBLEM ${problem}`);
  if (result.problems.length > 50) log(`… and ${result.problems.length - 50} more problems`);
  log(result.problems.length === 0 ? 'every invariant held' : `${result.problems.length} problem(s); worker logs kept in ${result.logDir}`);
  process.stdout.write(`CHAOS ${JSON.stringify(result.figures)}\n`);
  exitCode = result.problems.length === 0 ? 0 : 1;
} catch (error) {
  process.stderr.write(`chaos run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
}
process.exit(exitCode);
