import type { Logger as SdkLogger } from 'matrix-js-sdk/lib/logger.js';
import type { Logger } from '../../log.ts';

/**
 * matrix-js-sdk's log lines into ours, turned down a notch: the SDK narrates every sync at info and reports
 * recoverable trouble (a sync retried after the homeserver went away) as errors. Only its errors reach the
 * default log level, as warnings.
 */
export function sdkLogger(log: Logger, namespace = 'matrix-sdk'): SdkLogger {
  const child = log.child({ component: namespace });
  const text = (parts: unknown[]): string => parts.map((part) => (part instanceof Error ? part.message : typeof part === 'string' ? part : safeJson(part))).join(' ').slice(0, 2000);
  return {
    trace: (...parts) => child.trace(text(parts)),
    debug: (...parts) => child.trace(text(parts)),
    info: (...parts) => child.trace(text(parts)),
    warn: (...parts) => child.debug(text(parts)),
    error: (...parts) => child.warn(text(parts)),
    getChild: (name) => sdkLogger(log, `${namespace}:${name}`),
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
