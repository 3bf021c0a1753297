import type { Invocation } from './command.ts';

/**
 * An invocation written out as a text command (`!incidents amazon --type breach --page 2`): what a text platform
 * shows where Discord shows a button. Values with spaces are quoted.
 */
export function formatInvocation(invocation: Invocation, prefix: string): string {
  const quote = (value: string | number): string => {
    const text = String(value);
    return /[\s"]/.test(text) || text === '' ? `"${text.replace(/"/g, '')}"` : text;
  };
  const parts = [`${prefix}${invocation.command}`];
  if (invocation.subcommand !== undefined) parts.push(invocation.subcommand);
  for (const [name, value] of Object.entries(invocation.options)) parts.push(`--${name}`, quote(value));
  return parts.join(' ');
}
