import { ConfigError, loadConfig, type Config } from '../../src/config.js';
import { findRunningEmbeddedStack } from '../../src/local-stack/embedded-stack.js';
import { urlHostFor } from '../../src/local-stack/ports.js';
import { createWallet, type Wallet } from '../../src/wallet.js';
import { WalletError } from '../../src/errors.js';
import { quietNodeVersionWarning, SUPPORTED_NODE } from './node-support.js';

/** A wrong command line: the script prints the message and its usage line and exits 2. */
export class UsageError extends Error {
  readonly code = 'usage' as const;
  readonly retryable = false;
}

/** A script that reads or changes the data of a running stack was started with none to use. */
export class NoRunningStackError extends WalletError {
  readonly code = 'no_running_stack' as const;
  readonly retryable = true;
  constructor(config: Config) {
    super(
      `no running wallet stack on ${urlHostFor(config.embedded.bindHost)} (SQS port ${config.embedded.sqsPort}, DynamoDB port ${config.embedded.dynamodbPort}): ` +
        'start one with `npm start` in another terminal, or set AWS_ENDPOINT_URL to use LocalStack',
    );
  }
}

export const USAGE_EXIT_CODE = 2;

export interface ScriptHelp {
  /** The command line, e.g. `npm run balance -- <userId>`. */
  usage: string;
  /** What the script does, for --help. */
  description: string;
  /** Flags that take a value (`--limit 20` or `--limit=20`). */
  flags?: readonly string[];
  /** Flags without a value (`--admin`). */
  switches?: readonly string[];
  /** How many positional arguments it takes, at least and at most (default none). */
  positionals?: readonly [number, number];
}

export interface ParsedArgs {
  flags: Map<string, string>;
  switches: Set<string>;
  positionals: string[];
}

/**
 * The command line of a script: `--help` prints its help and exits 0; a bad
 * argument prints one line, the usage line, and exits 2; no stack traces.
 * Also replaces the AWS SDK's Node version warning with our one line.
 */
export function parseCommandLine(help: ScriptHelp, argv = process.argv.slice(2)): ParsedArgs {
  quietNodeVersionWarning();
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText(help));
    process.exit(0);
  }
  try {
    return parseScriptArgs(help, argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    exitWithUsage(help, error);
  }
}

export function exitWithUsage(help: ScriptHelp, error: UsageError): never {
  process.stderr.write(`error: ${error.message}\nusage: ${help.usage}  (--help for more)\n`);
  process.exit(USAGE_EXIT_CODE);
}

export function helpText(help: ScriptHelp): string {
  return `usage: ${help.usage}\n\n${help.description.trim()}\n\nSupported: ${SUPPORTED_NODE}. Configuration: environment variables (README, "Configuration").\n`;
}

/**
 * Runs a one-shot command-line script against the stack that is already
 * running (`npm start`, or the configured endpoints): parses its command
 * line, then `parse` turns the arguments into what `main` needs (throwing
 * UsageError), builds the wallet, closes it on every exit path, and turns
 * typed errors into one clear line and a non-zero exit.
 */
export async function runScript<A>(help: ScriptHelp, parse: (args: ParsedArgs) => A, main: (wallet: Wallet, args: A) => Promise<void>): Promise<void> {
  const parsed = parseCommandLine(help);
  let args: A;
  try {
    args = parse(parsed);
  } catch (error) {
    if (error instanceof UsageError) exitWithUsage(help, error);
    throw error;
  }
  let wallet: Wallet | undefined;
  const shutdown = async (code: number) => {
    await wallet?.close().catch(() => undefined);
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void shutdown(0));
  try {
    const config = loadConfig();
    // An embedded stack started here would be empty and gone when the script ends: say so instead.
    if (config.stack === 'embedded' && !(await findRunningEmbeddedStack(config))) throw new NoRunningStackError(config);
    wallet = await createWallet({ config, shareRunningStack: true });
    await main(wallet, args);
    await shutdown(0);
  } catch (error) {
    process.stderr.write(`${describe(error)}\n`);
    await shutdown(error instanceof UsageError ? USAGE_EXIT_CODE : 1);
  }
}

/** One line (or a few, for issues) per error a user can cause or fix; a stack trace only for what must be a bug. */
export function describe(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof UsageError) return `error: ${error.message}`;
  if (error instanceof WalletError) {
    const issues = 'issues' in error && Array.isArray(error.issues) ? error.issues.map((issue) => `\n  ${issue.path || '(body)'}: ${issue.message}`).join('') : '';
    return `error (${error.code}): ${error.message}${issues}`;
  }
  // AWS SDK errors (unreachable endpoint, access denied, missing queue) are about the environment, not this code.
  if (error instanceof Error && ('$metadata' in error || 'code' in error)) {
    const code = (error as { code?: unknown }).code;
    return `error (${typeof code === 'string' ? code : error.name}): ${error.message}`;
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Reads `--name value` pairs and bare positionals from argv (any flag name; see parseCommandLine for checked ones). */
export function parseArgs(argv: string[]): { flags: Map<string, string>; positionals: string[] } {
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2);
      const value = inline ?? argv[++index];
      if (name === undefined || value === undefined) throw new UsageError(`missing value for ${arg}`);
      flags.set(name, value);
    } else {
      positionals.push(arg);
    }
  }
  return { flags, positionals };
}

/** The checked parse behind parseCommandLine: only the flags and positionals `help` names; UsageError otherwise. */
export function parseScriptArgs(help: ScriptHelp, argv: readonly string[]): ParsedArgs {
  const known = new Set(help.flags ?? []);
  const switchNames = new Set(help.switches ?? []);
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  const positionals: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--') {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const [name = '', inline] = arg.replace(/^--?/, '').split(/=(.*)/s, 2);
    if (switchNames.has(name) && inline === undefined) {
      switches.add(name);
    } else if (known.has(name)) {
      const value = inline ?? argv[++index];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`missing value for --${name}`);
      flags.set(name, value);
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  const [min, max] = help.positionals ?? [0, 0];
  if (positionals.length < min) throw new UsageError(min === 1 ? 'missing argument' : `expected at least ${min} arguments`);
  if (positionals.length > max) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[max])}`);
  return { flags, switches, positionals };
}
