import type { ChildProcess } from 'node:child_process';

/**
 * Children that must not outlive this process. The 'exit' hook covers normal
 * exit, process.exit() after a signal and uncaught exceptions; a SIGKILL of
 * this process is covered by the child's parent-death signal (setpriv).
 */
const children = new Set<ChildProcess>();
let hookInstalled = false;

export function killOnExit(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (hookInstalled) return;
  hookInstalled = true;
  process.on('exit', () => {
    for (const running of children) running.kill('SIGKILL');
  });
}
