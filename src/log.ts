import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * Logs go to stderr so that stdout stays free for cards and `--json` output: JSON lines for collectors,
 * or readable lines for a person at a terminal. Secrets never reach a log line: token and password fields
 * are redacted by path as a second line of defence.
 */
export function createLogger(level: string, format: 'json' | 'pretty' = 'json'): Logger {
  const options = {
    level,
    base: undefined,
    redact: { paths: ['*.token', '*.password', '*.accessToken', '*.apiKey'], censor: '[redacted]' },
  };
  if (format === 'pretty') {
    return pino(options, pretty({ destination: 2, sync: true, colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }));
  }
  return pino(options, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything: for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
