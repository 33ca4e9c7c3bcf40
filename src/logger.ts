import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** Human-readable lines (pino-pretty) instead of JSON: for a person at a terminal, never for log shippers. */
  pretty?: boolean;
}

export function createLogger(level: string, name = 'wallet', options: LoggerOptions = {}): Logger {
  if (!options.pretty) return pino({ name, level });
  return pino({
    name,
    level,
    transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
  });
}
