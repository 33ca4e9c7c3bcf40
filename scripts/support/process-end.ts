import type { Logger } from 'pino';

const DUPLICATE_SIGNAL_MS = 1_000;

/**
 * Routes every way a long-running script can end (signals, an uncaught
 * exception, an unhandled rejection) to its one `stop(code, reason)`, so the
 * worker is drained and child processes are stopped on each of them.
 */
export function routeProcessEnd(
  stop: (code: number, reason: string) => void,
  logger: () => Logger | undefined,
  signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'],
): void {
  // Ctrl-C under npm arrives twice: once from the terminal (to the whole process group) and once
  // forwarded by npm. The copy is not a second request (which a script may treat as "exit now").
  let last: { signal: NodeJS.Signals; at: number } | undefined;
  for (const signal of signals) {
    process.on(signal, () => {
      const now = Date.now();
      if (last?.signal === signal && now - last.at < DUPLICATE_SIGNAL_MS) return;
      last = { signal, at: now };
      stop(0, signal);
    });
  }
  process.on('uncaughtException', (err) => {
    logger()?.fatal({ err }, 'uncaught exception');
    stop(1, 'uncaughtException');
  });
  process.on('unhandledRejection', (err) => {
    logger()?.fatal({ err }, 'unhandled rejection');
    stop(1, 'unhandledRejection');
  });
}
