import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../commands/index.ts';
import { EXTRA_WORDS, type CommandDefinition, type Invocation } from '../../src/chat/command.ts';
import { formatInvocation } from '../../src/chat/format-invocation.ts';
import { parseTextCommand, type ParsedText, type TextCommandSyntax } from '../../src/chat/parse-text-command.ts';
import { NASTY_COMMANDS } from '../fixtures/nasty-feeds.ts';
import { chatLine, fuzzRuns, hostileText } from './arbitraries.ts';

/**
 * The Matrix command parser under attack: any chat line ends as a command of ours, an unknown one or
 * nothing — never an exception, never an option the command does not know of but a flag's own name,
 * never a polluted prototype; and a command the bot writes out for a button is read back as it was.
 */

const SYNTAX: TextCommandSyntax = { prefix: '!', names: ['@privacy-radar:stand-in.test', 'privacy-radar', 'Privacy Radar'] };

/** The option names the invocation's command (or subcommand) defines. */
function optionNames(command: CommandDefinition, subcommand: string | undefined): Set<string> {
  const action = command.subcommands === undefined ? command : command.subcommands.find((s) => s.name === subcommand);
  return new Set((action?.options ?? []).map((option) => option.name));
}

/** What is wrong with the parser's answer for `text`. */
function parsedProblems(text: string, syntax: TextCommandSyntax, parsed: ParsedText): string[] {
  const line = text.trim();
  if (line === '' || line.length > 1000 || line.includes('\n')) return parsed.kind === 'none' ? [] : ['a command from an empty, overlong or multi-line message'];
  const addressed = (syntax.prefix !== '' && line.startsWith(syntax.prefix)) || syntax.names.some((n) => n !== '' && line.toLowerCase().startsWith(n.toLowerCase()));
  if (!addressed) return parsed.kind === 'none' ? [] : ['answered a message not addressed to the bot'];
  if (parsed.kind === 'unknown') return parsed.name.length <= 32 && parsed.name === parsed.name.toLowerCase() ? [] : [`unknown name ${parsed.name}`];
  if (parsed.kind === 'none') return [];
  const { invocation } = parsed;
  const command = COMMANDS.find((c) => c.name === invocation.command);
  if (command === undefined) return [`no such command ${invocation.command}`];
  const problems: string[] = [];
  if ((command.subcommands === undefined) !== (invocation.subcommand === undefined)) problems.push('subcommand given or missing');
  if (Object.getPrototypeOf(invocation.options) !== Object.prototype) problems.push('options with another prototype');
  const known = optionNames(command, invocation.subcommand);
  for (const [name, value] of Object.entries(invocation.options)) {
    if (typeof value !== 'string') problems.push(`option ${name} is not a string`);
    if (!known.has(name) && name !== EXTRA_WORDS && !/^[a-z][\w-]*$/.test(name)) problems.push(`option ${JSON.stringify(name)} is neither defined nor a flag`);
  }
  return problems;
}

const syntax: fc.Arbitrary<TextCommandSyntax> = fc.record({
  prefix: fc.constantFrom('!', '', '?', '.', '!!', '$(', '\\'),
  names: fc.array(fc.oneof(fc.constantFrom(...SYNTAX.names, '', '.*', 'bot'), hostileText(2)), { maxLength: 3 }),
});

describe('parseTextCommand: arbitrary chat lines', () => {
  it('answers with a command of ours, an unknown name or nothing, options all strings', () => {
    fc.assert(
      fc.property(fc.oneof(chatLine, hostileText(30)), (text) => {
        expect(parsedProblems(text, SYNTAX, parseTextCommand(text, COMMANDS, SYNTAX))).toEqual([]);
      }),
      fuzzRuns(500),
    );
  });

  it('does so with any prefix and bot names', () => {
    fc.assert(
      fc.property(fc.oneof(chatLine, hostileText(20)), syntax, (text, anySyntax) => {
        expect(parsedProblems(text, anySyntax, parseTextCommand(text, COMMANDS, anySyntax))).toEqual([]);
      }),
      fuzzRuns(400),
    );
  });

  it.each(NASTY_COMMANDS.map((command) => [command.name, command] as const))('reads the nasty line %s', (_name, nasty) => {
    const text = nasty.build();
    const parsed = parseTextCommand(text, COMMANDS, SYNTAX);
    expect(parsedProblems(text, SYNTAX, parsed)).toEqual([]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

/** Option values the bot itself writes into a button's command: words, times, zones, URLs, numbers. */
const plainValue = fc.stringMatching(/^[A-Za-z0-9äöüß:/.+ -]{0,20}$/).filter((value) => !value.trimStart().startsWith('--'));

/** An invocation of one of our commands with plain values for some of its options. */
const invocation: fc.Arbitrary<Invocation> = fc.constantFrom(...COMMANDS).chain((command) => {
  const actions = command.subcommands === undefined ? [{ name: undefined, options: command.options }] : command.subcommands;
  return fc.constantFrom(...actions).chain((action) =>
    fc.subarray(action.options.map((option) => option.name)).chain((names) =>
      fc.tuple(...names.map(() => plainValue)).map((values) => ({
        command: command.name,
        ...(action.name === undefined ? {} : { subcommand: action.name }),
        options: Object.fromEntries(names.map((name, i) => [name, values[i]!])),
      })),
    ),
  );
});

describe('parseTextCommand: commands the bot writes out', () => {
  it('reads back every invocation a Matrix button hint spells out', () => {
    fc.assert(
      fc.property(invocation, (written) => {
        expect(parseTextCommand(formatInvocation(written, '!'), COMMANDS, SYNTAX)).toEqual({ kind: 'command', invocation: written });
      }),
      fuzzRuns(400),
    );
  });
});
