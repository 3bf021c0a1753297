import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../commands/index.ts';
import { EXTRA_WORDS } from '../../src/chat/command.ts';
import { parseTextCommand, type TextCommandSyntax } from '../../src/chat/parse-text-command.ts';

/** Text commands as people type them in a Matrix room. */

const syntax: TextCommandSyntax = { prefix: '!', names: ['@privacy-radar:stand-in.test', 'privacy-radar', 'Privacy Radar'] };
const parse = (text: string) => parseTextCommand(text, COMMANDS, syntax);

describe('parseTextCommand', () => {
  it('reads a command with a company of several words and flags', () => {
    expect(parse('!incidents deutsche telekom --type breach --page 2')).toEqual({
      kind: 'command',
      invocation: { command: 'incidents', options: { company: 'deutsche telekom', type: 'breach', page: '2' } },
    });
    expect(parse('!incidents --since=30d amazon')).toEqual({
      kind: 'command',
      invocation: { command: 'incidents', options: { since: '30d', company: 'amazon' } },
    });
    expect(parse('!INCIDENTS "Whole Foods"')).toMatchObject({ invocation: { options: { company: 'Whole Foods' } } });
  });

  it('takes the default subcommand when none is named, and a named one otherwise', () => {
    expect(parse('!digest 08:00 Europe/Berlin')).toEqual({
      kind: 'command',
      invocation: { command: 'digest', subcommand: 'daily', options: { time: '08:00', timezone: 'Europe/Berlin' } },
    });
    expect(parse('!digest off')).toEqual({ kind: 'command', invocation: { command: 'digest', subcommand: 'off', options: {} } });
    expect(parse('!digest NOW')).toEqual({ kind: 'command', invocation: { command: 'digest', subcommand: 'now', options: {} } });
    expect(parse('!digest daily 7:30')).toMatchObject({ invocation: { subcommand: 'daily', options: { time: '7:30' } } });
  });

  it('answers to the bot being addressed by name instead of the prefix', () => {
    expect(parse('privacy-radar: incidents amazon')).toMatchObject({ kind: 'command', invocation: { command: 'incidents', options: { company: 'amazon' } } });
    expect(parse('Privacy Radar, help')).toMatchObject({ kind: 'command', invocation: { command: 'help' } });
    expect(parse('@privacy-radar:stand-in.test !about')).toMatchObject({ kind: 'command', invocation: { command: 'about' } });
    expect(parse('privacy-radar: tanz')).toEqual({ kind: 'unknown', name: 'tanz', addressedByName: true });
  });

  it('leaves ordinary chat, other bots\' commands and odd input alone', () => {
    expect(parse('Hat jemand die Amazon-Meldung gesehen?')).toEqual({ kind: 'none' });
    expect(parse('privacy-radarfan sagt hallo')).toEqual({ kind: 'none' });
    expect(parse('!weather Berlin')).toEqual({ kind: 'unknown', name: 'weather', addressedByName: false });
    expect(parse('!')).toEqual({ kind: 'none' });
    expect(parse(`!incidents ${'a'.repeat(2000)}`)).toEqual({ kind: 'none' });
    expect(parse('!help\n!about')).toEqual({ kind: 'none' });
  });

  it('hands words no option takes to the runner, which answers with the usage line', () => {
    expect(parse('!feeds bitte alle')).toEqual({ kind: 'command', invocation: { command: 'feeds', subcommand: 'list', options: { [EXTRA_WORDS]: 'bitte alle' } } });
    expect(parse('!feeds add https://blog.example/feed.xml')).toEqual({ kind: 'command', invocation: { command: 'feeds', subcommand: 'add', options: { url: 'https://blog.example/feed.xml' } } });
    expect(parse('!language de en')).toEqual({ kind: 'command', invocation: { command: 'language', options: { language: 'de', [EXTRA_WORDS]: 'en' } } });
    expect(parse('!incidents amazon --page')).toMatchObject({ invocation: { options: { company: 'amazon', page: '' } } });
  });
});
