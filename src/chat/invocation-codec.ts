import type { Invocation } from './command.ts';

/** Discord's limit on a button's custom id; Matrix never needs one. */
export const MAX_ENCODED_INVOCATION = 100;

/**
 * An invocation as a short string for a button (`incidents|company=amazon|page=2`), and back. Encoding returns
 * undefined when the result would not fit, so the caller leaves that button out instead of cutting it.
 * Decoding trusts nothing: the result goes through the same option validation as a typed command.
 */
export function encodeInvocation(invocation: Invocation): string | undefined {
  const head = invocation.subcommand === undefined ? invocation.command : `${invocation.command} ${invocation.subcommand}`;
  const parts = [head, ...Object.entries(invocation.options).map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`)];
  const encoded = parts.join('|');
  return encoded.length <= MAX_ENCODED_INVOCATION ? encoded : undefined;
}

export function decodeInvocation(encoded: string): Invocation | undefined {
  if (encoded.length > MAX_ENCODED_INVOCATION) return undefined;
  const [head = '', ...parts] = encoded.split('|');
  const [command = '', subcommand, extra] = head.split(' ');
  if (!/^[a-z-]{1,32}$/.test(command) || extra !== undefined) return undefined;
  if (subcommand !== undefined && !/^[a-z-]{1,32}$/.test(subcommand)) return undefined;
  const options: Record<string, string> = {};
  for (const part of parts) {
    const match = /^([a-z]{1,32})=(.*)$/.exec(part);
    if (!match) return undefined;
    try {
      options[match[1]!] = decodeURIComponent(match[2]!);
    } catch {
      return undefined;
    }
  }
  return { command, ...(subcommand !== undefined ? { subcommand } : {}), options };
}
