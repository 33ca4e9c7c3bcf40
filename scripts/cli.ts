#!/usr/bin/env node
// The installed `wallet-worker` command (package.json "bin"): one subcommand per script, run with
// plain node from the built package. `npm start` and the local tools stay scripts of the repository.
import { fileURLToPath } from 'node:url';
import { invokedAs, USAGE_EXIT_CODE } from './support/args.js';

const COMMANDS: Record<string, string> = {
  worker: 'the worker only, against the configured stack (the container command)',
  api: 'the HTTP gateway',
  publish: 'send one command and print its reply',
  balance: "print a user's balance",
  history: "print a user's history",
  statement: "print a user's statement for a period (JSON or CSV)",
  verify: 'audit the ledger',
  'init-tables': 'create the queues and tables and seed users',
  dlq: 'list or redrive the dead-letter queue',
};

const [name = '', ...rest] = process.argv.slice(2);
if (!Object.hasOwn(COMMANDS, name)) {
  const list = Object.entries(COMMANDS)
    .map(([command, what]) => `  ${command.padEnd(12)} ${what}`)
    .join('\n');
  const asked = name === '' || name === '--help' || name === '-h';
  (asked ? process.stdout : process.stderr).write(
    `${asked ? '' : `error: unknown command ${JSON.stringify(name)}\n`}usage: wallet-worker <command> [--help]\n\n${list}\n`,
  );
  process.exit(asked ? 0 : USAGE_EXIT_CODE);
}
invokedAs('wallet-worker');
const script = new URL(`./${name}.js`, import.meta.url);
// The script reads its arguments from process.argv as when run on its own.
process.argv = [process.argv[0] ?? 'node', fileURLToPath(script), ...rest];
await import(script.href);
