import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'wallet'): Logger {
  return pino({ name, level });
}
