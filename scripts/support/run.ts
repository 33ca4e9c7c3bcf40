import { ConfigError } from '../../src/config.js';
import { createWallet, type Wallet } from '../../src/wallet.js';
import { WalletError } from '../../src/errors.js';

/**
 * Runs a command-line script against the configured stack: builds the
 * wallet, closes it (and any embedded stack) on every exit path, and turns
 * typed errors into one clear line and a non-zero exit.
 */
export async function runScript(main: (wallet: Wallet) => Promise<void | number>): Promise<void> {
  let wallet: Wallet | undefined;
  const shutdown = async (code: number) => {
    await wallet?.close().catch(() => undefined);
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void shutdown(0));
  try {
    wallet = await createWallet({ shareRunningStack: true });
    // A script may answer with its own exit code (npm run verify: 1 when the ledger has a discrepancy).
    await shutdown((await main(wallet)) ?? 0);
  } catch (error) {
    process.stderr.write(`${describe(error)}\n`);
    await shutdown(1);
  }
}

export function describe(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof WalletError) {
    const issues = 'issues' in error && Array.isArray(error.issues) ? error.issues.map((issue) => `\n  ${issue.path || '(body)'}: ${issue.message}`).join('') : '';
    return `error (${error.code}): ${error.message}${issues}`;
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Reads `--name value` pairs and bare positionals from argv. */
export function parseArgs(argv: string[]): { flags: Map<string, string>; positionals: string[] } {
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2);
      const value = inline ?? argv[++index];
      if (name === undefined || value === undefined) throw new Error(`missing value for ${arg}`);
      flags.set(name, value);
    } else {
      positionals.push(arg);
    }
  }
  return { flags, positionals };
}
