import { pino, type DestinationStream, type Logger } from 'pino';
import { redactionFor } from './log-redaction.js';

export type { Logger };

export interface LoggerOptions {
  /** Human-readable lines (pino-pretty) instead of JSON: for a person at a terminal, never for log shippers. */
  pretty?: boolean;
  /** Where JSON lines go (default stdout); tests read them back. */
  destination?: DestinationStream;
}

export function createLogger(level: string, name = 'wallet', options: LoggerOptions = {}): Logger {
  // Amounts, balances and user ids are hidden at info and above (log-redaction.ts).
  const redact = redactionFor(level);
  if (!options.pretty) return pino({ name, level, ...(redact && { redact }) }, options.destination);
  return pino({
    name,
    level,
    ...(redact && { redact }),
    transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
  });
}
