import type { Wallet } from '../../src/wallet.js';
import { ConfigError, NoRunningStackError, UsageError, WalletError } from '../../src/errors.js';
import { exitWithUsage, parseCommandLine, USAGE_EXIT_CODE, type ParsedArgs, type ScriptHelp } from './args.js';

/**
 * Runs a one-shot command-line script against the stack that is already
 * running (`npm start`, or the configured endpoints): parses its command
 * line, then `parse` turns the arguments into what `main` needs (throwing
 * UsageError), builds the wallet, closes it on every exit path, and turns
 * typed errors into one clear line and a non-zero exit.
 * The wallet's modules (the AWS SDK, about a second of loading) load only
 * once the command line is good: `--help` and a usage error answer at once.
 */
export async function runScript<A>(
  help: ScriptHelp,
  parse: (args: ParsedArgs) => A,
  // biome-ignore lint/suspicious/noConfusingVoidType: a script's main returns nothing, or an exit code
  main: (wallet: Wallet, args: A) => Promise<void | number>,
): Promise<void> {
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
    const [{ destination }, { loadConfig }, { findRunningEmbeddedStack }, { urlHostFor }, { createLogger }, { createWallet }] =
      await Promise.all([
        import('pino'),
        import('../../src/config.js'),
        import('../../src/local-stack/embedded-stack.js'),
        import('../../src/net/ports.js'),
        import('../../src/logger.js'),
        import('../../src/wallet.js'),
      ]);
    const config = loadConfig();
    // An embedded stack started here would be empty and gone when the script ends: say so instead.
    if (config.stack === 'embedded' && !(await findRunningEmbeddedStack(config)))
      throw new NoRunningStackError({
        host: urlHostFor(config.embedded.bindHost),
        sqsPort: config.embedded.sqsPort,
        dynamodbPort: config.embedded.dynamodbPort,
      });
    // Logs to stderr: stdout holds only what the script answers (JSON a caller may pipe into jq).
    const logger = createLogger(config.logLevel, 'wallet', { destination: destination(2) });
    wallet = await createWallet({ config, logger, shareRunningStack: true });
    // A script may answer with its own exit code (npm run verify: 1 when the ledger has a discrepancy).
    await shutdown((await main(wallet, args)) ?? 0);
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
    const issues =
      'issues' in error && Array.isArray(error.issues)
        ? error.issues.map((issue) => `\n  ${issue.path || '(body)'}: ${issue.message}`).join('')
        : '';
    return `error (${error.code}): ${error.message}${issues}`;
  }
  // AWS SDK errors (unreachable endpoint, access denied, missing queue) are about the environment, not this code.
  if (error instanceof Error && ('$metadata' in error || 'code' in error)) {
    const code = (error as { code?: unknown }).code;
    return `error (${typeof code === 'string' ? code : error.name}): ${error.message}`;
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export {
  exitWithUsage,
  helpText,
  parseArgs,
  parseCommandLine,
  parseScriptArgs,
  USAGE_EXIT_CODE,
  type ParsedArgs,
  type ScriptHelp,
} from './args.js';
