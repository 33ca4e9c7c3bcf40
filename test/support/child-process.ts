import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eventually } from './eventually.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningScript {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Runs a TypeScript entry point of this repo as a separate OS process, as a user would. */
export function runScript(path: string, env: Record<string, string>, args: string[] = []): RunningScript {
  const child = spawn(process.execPath, ['--import', 'tsx', path, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watched(child, 'process', 60_000);
}

/** Collects a child's output and waits on it (the output first: a process may print what we wait for and exit before the next look). */
export function watched(child: ChildProcess, name: string, defaultTimeoutMs: number): RunningScript {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    child,
    output: () => text,
    exited,
    waitForOutput: (pattern, timeoutMs = defaultTimeoutMs) =>
      eventually(
        `output matching ${pattern}`,
        () => {
          const found = pattern.exec(text);
          if (found) return found;
          if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) before printing ${pattern}:\n${text}`);
          return undefined;
        },
        timeoutMs,
      ),
  };
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
