import { UsageError } from '../../src/errors.js';
import { quietNodeVersionWarning, SUPPORTED_NODE } from './node-support.js';

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

/** Set by the `wallet-worker` command (scripts/cli.ts): usage lines then name it instead of `npm run`. */
let commandName: string | undefined;
export function invokedAs(name: string): void {
  commandName = name;
}

/** `npm run balance -- <userId>` as `wallet-worker balance <userId>` when run through the installed command. */
function usageLine(help: ScriptHelp): string {
  return commandName ? help.usage.replace(/^npm (?:run )?(\S+)(?: --)?/, `${commandName} $1`) : help.usage;
}

export function exitWithUsage(help: ScriptHelp, error: UsageError): never {
  process.stderr.write(`error: ${error.message}\nusage: ${usageLine(help)}  (--help for more)\n`);
  process.exit(USAGE_EXIT_CODE);
}

export function helpText(help: ScriptHelp): string {
  return `usage: ${usageLine(help)}\n\n${help.description.trim()}\n\nSupported: ${SUPPORTED_NODE}. Configuration: environment variables (README, "Configuration").\n`;
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
