import { EXTRA_WORDS, type CommandDefinition, type Invocation, type OptionDefinition } from './command.ts';

/** Text commands longer than this are not commands (nobody types that much); they are ignored. */
const MAX_COMMAND_CHARS = 1000;

export interface TextCommandSyntax {
  /** `!` by default on Matrix. */
  prefix: string;
  /** Ways to address the bot instead of the prefix: its user id, localpart, display name (`privacy-radar: help`). */
  names: readonly string[];
}

export type ParsedText =
  | { kind: 'command'; invocation: Invocation }
  /** Addressed to the bot (prefix or name) but no command of ours: worth a hint only when addressed by name. */
  | { kind: 'unknown'; name: string; addressedByName: boolean }
  | { kind: 'none' };

/**
 * A chat line as a command: `!incidents amazon --type breach --page 2`, `!digest 08:00 Europe/Berlin`,
 * `privacy-radar: incidents deutsche telekom`. Words fill the options in their order; `--name value` and
 * `--name=value` set one by name; an option marked `restOfLine` takes every remaining word; quotes keep words
 * together. A command with subcommands takes the next word as the subcommand, else its default. Values are
 * not checked here: the runner validates them against the definitions, like any other platform's.
 */
export function parseTextCommand(text: string, commands: readonly CommandDefinition[], syntax: TextCommandSyntax): ParsedText {
  const line = text.trim();
  if (line === '' || line.length > MAX_COMMAND_CHARS || line.includes('\n')) return { kind: 'none' };
  let rest: string | undefined;
  let addressedByName = false;
  if (syntax.prefix !== '' && line.startsWith(syntax.prefix)) {
    rest = line.slice(syntax.prefix.length);
  } else {
    const name = syntax.names.find((n) => n !== '' && line.toLowerCase().startsWith(n.toLowerCase()) && /^[\s:,]/.test(line.slice(n.length)));
    if (name !== undefined) {
      rest = line.slice(name.length).replace(/^[\s:,]+/, '');
      addressedByName = true;
      // "privacy-radar: !help" works too.
      if (syntax.prefix !== '' && rest.startsWith(syntax.prefix)) rest = rest.slice(syntax.prefix.length);
    }
  }
  if (rest === undefined) return { kind: 'none' };
  const words = tokenise(rest);
  const name = words.shift()?.toLowerCase() ?? '';
  if (name === '') return addressedByName ? { kind: 'unknown', name, addressedByName } : { kind: 'none' };
  const command = commands.find((c) => c.name === name);
  if (!command) return { kind: 'unknown', name: name.slice(0, 32), addressedByName };

  let subcommand: string | undefined;
  let options: readonly OptionDefinition[];
  if (command.subcommands !== undefined) {
    const named = command.subcommands.find((s) => s.name === words[0]?.toLowerCase());
    if (named) words.shift();
    subcommand = named?.name ?? command.defaultSubcommand ?? words[0]?.toLowerCase() ?? '';
    options = (named ?? command.subcommands.find((s) => s.name === subcommand))?.options ?? [];
  } else {
    options = command.options;
  }
  return { kind: 'command', invocation: { command: command.name, ...(subcommand !== undefined ? { subcommand } : {}), options: fillOptions(words, options) } };
}

/** Flags by name, the other words in option order; a `restOfLine` option swallows the remaining words. */
function fillOptions(words: string[], definitions: readonly OptionDefinition[]): Record<string, string> {
  const values: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < words.length; i += 1) {
    const flag = /^--([A-Za-z][\w-]*)(?:=(.*))?$/.exec(words[i]!);
    if (!flag) {
      positional.push(words[i]!);
      continue;
    }
    const value = flag[2] ?? (i + 1 < words.length && !words[i + 1]!.startsWith('--') ? words[++i]! : '');
    values[flag[1]!.toLowerCase()] = value;
  }
  for (const option of definitions) {
    if (positional.length === 0) break;
    if (Object.hasOwn(values, option.name)) continue;
    const takesRest = option.kind === 'string' && option.restOfLine === true;
    values[option.name] = takesRest ? positional.splice(0).join(' ') : positional.shift()!;
  }
  // Words left over have no option to go to: the runner answers with the usage line.
  if (positional.length > 0) values[EXTRA_WORDS] = positional.join(' ');
  return values;
}

/** Splits on whitespace; "double", “curly” and 'single' quotes keep words together. */
function tokenise(text: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|“([^”]*)”|„([^“”]*)[“”]|'([^']*)'|(\S+)/g;
  for (const match of text.matchAll(pattern)) {
    words.push(match[1] ?? match[2] ?? match[3] ?? match[4] ?? match[5] ?? '');
  }
  return words;
}
