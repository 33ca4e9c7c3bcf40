import type { Logger } from 'pino';

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
  for (const signal of signals) process.on(signal, () => stop(0, signal));
  process.on('uncaughtException', (err) => {
    logger()?.fatal({ err }, 'uncaught exception');
    stop(1, 'uncaughtException');
  });
  process.on('unhandledRejection', (err) => {
    logger()?.fatal({ err }, 'unhandled rejection');
    stop(1, 'unhandledRejection');
  });
}
