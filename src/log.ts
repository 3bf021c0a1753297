import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { terminalSafe } from './terminal-safe.ts';

export type { Logger };

/**
 * Logs go to stderr so that stdout stays free for cards and `--json` output: JSON lines for collectors,
 * or readable lines for a person at a terminal (coloured where the terminal supports it). Secrets never reach a log line: token and password fields
 * are redacted by path as a second line of defence.
 */
export function createLogger(level: string, format: 'json' | 'pretty' = 'json', destination: number | NodeJS.WritableStream = 2): Logger {
  const options = {
    level,
    base: undefined,
    redact: { paths: ['*.token', '*.password', '*.accessToken', '*.apiKey'], censor: '[redacted]' },
  };
  if (format === 'pretty') {
    return pino(
      options,
      pretty({
        destination,
        sync: true,
        singleLine: true,
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname',
        // Fields are printed as JSON (escaped); the message is printed as it is, so it is made terminal-safe:
        // error messages can quote untrusted text (a redirect target, a feed title).
        messageFormat: (log, messageKey) => terminalSafe(String(log[messageKey] ?? '')),
      }),
    );
  }
  return pino(options, typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination);
}

/** A logger that drops everything: for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
