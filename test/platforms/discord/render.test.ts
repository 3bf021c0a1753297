import {
  ApplicationCommandOptionType,
  MessageFlags,
  type APIApplicationCommandOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../commands/index.ts';
import type { Reply, ReplyAction } from '../../../src/chat/command.ts';
import { decodeInvocation } from '../../../src/chat/invocation-codec.ts';
import { INCIDENT_TYPES } from '../../../src/model/analysis.ts';
import type { Card } from '../../../src/model/card.ts';
import { cardEmbed, EMBED_LIMITS } from '../../../src/platforms/discord/card-embed.ts';
import { commandPayloads } from '../../../src/platforms/discord/command-payloads.ts';
import colourData from '../../../src/platforms/discord/data/incident-type-colours.json' with { type: 'json' };
import { escapeMarkdown, safeUrl, truncate } from '../../../src/platforms/discord/escape-markdown.ts';
import { channelMessage, replyMessage, type DiscordMessage } from '../../../src/platforms/discord/reply-message.ts';
import { blockSyntaxLines, embedSize, plain, unescapedSpecials } from '../../support/discord-text.ts';

/**
 * What the Discord adapter sends, checked without Discord: feed text made inert, Discord's size limits kept
 * (an oversized message is rejected outright), and command payloads Discord's validation accepts.
 */

/** The text as Discord shows it: escaping backslashes dropped, the zero-width space invisible. */
function rendered(text: string): string {
  return plain(text).replace(/\u200b/g, '');
}

function customIds(message: DiscordMessage): string[] {
  return message.components.flatMap((row) => row.components.map((button) => ('custom_id' in button ? button.custom_id : '')));
}

function card(overrides: Partial<Card> = {}): Card {
  return {
    incidentId: 'incident-1',
    title: 'Ein Händler verliert Kundendaten',
    summary: 'Ein Onlinehändler hat Adressen seiner Kundschaft offen im Netz liegen lassen. Betroffene wurden erst spät informiert.',
    companies: [{ id: 'ring', name: 'Ring', parentName: 'Amazon' }],
    types: ['breach'],
    outlet: 'Beispiel-Magazin',
    url: 'https://news.example/artikel/1',
    published: '2026-11-20T09:30:00.000Z',
    language: 'de',
    sourceCount: 1,
    sources: [{ outlet: 'Beispiel-Magazin', url: 'https://news.example/artikel/1' }],
    ...overrides,
  };
}

/** A card with everything long that a feed controls: title, summary, source links. */
function longCard(n: number): Card {
  return card({
    incidentId: `incident-${n}`,
    title: `Sehr lange Überschrift **${n}** `.repeat(40),
    summary: 'Ein Satz über einen *erfundenen* Vorfall, der sich_immer_wieder [wiederholt](https://x.example). '.repeat(60),
    companies: [
      { id: 'ring', name: 'Ring', parentName: 'Amazon' },
      { id: 'google', name: 'Google', parentName: 'Alphabet' },
      { id: 'meta', name: 'Meta' },
    ],
    types: ['breach', 'unlawful_processing'],
    sourceCount: 14,
    sources: Array.from({ length: 5 }, (_, i) => ({ outlet: `Quelle (Nummer ${i}) `.repeat(5), url: `https://source${i}.example/${'pfad/'.repeat(40)}(${i})` })),
  });
}

describe('escapeMarkdown', () => {
  const inline = ['**fett**', '__unterstrichen__', '~~durch~~', '||Spoiler||', '`Code`', '```\nBlock\n```', '[Text](https://u.example)', '<@&123>', '<@123>', '<@!123>', '<#1>', '*kursiv*', '_kursiv_'];
  it.each(inline)('makes %j inert and keeps its text', (text) => {
    const escaped = escapeMarkdown(text);
    expect(unescapedSpecials(escaped)).toEqual([]);
    expect(rendered(escaped)).toBe(text);
    expect(escaped).not.toMatch(/<[@#][&!]?\d+>/);
  });

  const blocks = ['# Überschrift', '## Zweite', '- Liste', '+ Liste', '* Liste', '1. Liste', '12. Liste', '-# Kleingedrucktes', '> Zitat', '>>> Langes Zitat', 'Einleitung\n  - eingerückt\n3. drei'];
  it.each(blocks)('makes the block syntax of %j inert', (text) => {
    const escaped = escapeMarkdown(text);
    expect(blockSyntaxLines(escaped)).toEqual([]);
    expect(rendered(escaped)).toBe(text);
  });

  it('puts a zero-width space into @everyone and @here, whatever the case', () => {
    expect(escapeMarkdown('Hallo @everyone und @here')).toBe('Hallo @\u200beveryone und @\u200bhere');
    expect(escapeMarkdown('@Everyone')).toBe('@\u200bEveryone');
    expect(escapeMarkdown('@everyone @HERE')).not.toMatch(/@(everyone|here)/i);
  });

  it('leaves plain words alone', () => {
    for (const text of ['Datenschutz bleibt wichtig', 'Überwachung im Jahr 2026, sagt die Behörde.', 'Größe & Maß']) {
      expect(escapeMarkdown(text)).toBe(text);
    }
  });

  it('escapes a backslash so it cannot escape the next character', () => {
    expect(rendered(escapeMarkdown('a\\*b*'))).toBe('a\\*b*');
    expect(unescapedSpecials(escapeMarkdown('\\**x**'))).toEqual([]);
  });
});

describe('truncate', () => {
  it('leaves text that fits alone', () => {
    expect(truncate('kurz', 4)).toBe('kurz');
  });

  it('cuts at a word boundary and adds an ellipsis', () => {
    const text = 'alpha beta gamma delta epsilon';
    const cut = truncate(text, 15);
    expect(cut).toBe('alpha beta…');
    const kept = cut.slice(0, -1);
    expect(text.startsWith(kept)).toBe(true);
    expect(text[kept.length]).toMatch(/\s/);
  });

  it('cuts a single long word where it must', () => {
    expect(truncate('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('respects the maximum for every size', () => {
    const text = escapeMarkdown('Ein [Link](https://x.example) und **fett** und noch mehr Wörter hier '.repeat(5));
    for (let max = 0; max <= text.length + 1; max += 1) {
      const cut = truncate(text, max);
      expect(cut.length, String(max)).toBeLessThanOrEqual(max);
      if (max >= 1 && max < text.length) expect(cut.endsWith('…'), String(max)).toBe(true);
    }
  });

  it('never leaves a lone escaping backslash before the ellipsis', () => {
    const texts = [escapeMarkdown(`abc ${'*'.repeat(30)}`), escapeMarkdown(`${'\\'.repeat(9)}*_~${'\\'.repeat(4)}`), escapeMarkdown('Wort ** Wort __ Wort ~~ Wort ||')];
    for (const text of texts) {
      for (let max = 2; max < text.length; max += 1) {
        const kept = truncate(text, max).slice(0, -1);
        const trailing = /\\*$/.exec(kept)![0].length;
        expect(trailing % 2, `${JSON.stringify(text)} at ${max}`).toBe(0);
        expect(unescapedSpecials(kept)).toEqual([]);
      }
    }
  });
});

describe('safeUrl', () => {
  it('keeps http and https links', () => {
    expect(safeUrl('https://news.example/a?b=c#d')).toBe('https://news.example/a?b=c#d');
    expect(safeUrl('http://news.example')).toBe('http://news.example/');
  });

  it('drops other schemes and garbage', () => {
    for (const url of ['javascript:alert(1)', 'JavaScript:alert(1)', ' javascript:alert(1)', 'data:text/html,hallo', 'ftp://files.example/x', 'mailto:a@b.example', 'kein Link', '', '//news.example/a', 'https://']) {
      expect(safeUrl(url), url).toBeUndefined();
    }
  });

  it('drops links over 2,000 characters', () => {
    expect(safeUrl(`https://news.example/${'a'.repeat(1900)}`)).toBeDefined();
    expect(safeUrl(`https://news.example/${'a'.repeat(2000)}`)).toBeUndefined();
  });

  it('measures the link as sent, after percent-encoding', () => {
    // About 1,000 characters as written, about 6,000 once each "ä" becomes "%C3%A4".
    expect(safeUrl(`https://news.example/${'ä'.repeat(1000)}`)).toBeUndefined();
    expect(safeUrl('https://news.example/Datenschutzbehörde')).toBe('https://news.example/Datenschutzbeh%C3%B6rde');
  });
});

describe('cardEmbed', () => {
  it('links the escaped title to the article', () => {
    const embed = cardEmbed(card({ title: 'Leck bei **Firma** [mehr](https://evil.example)' }), 'de');
    expect(embed.url).toBe('https://news.example/artikel/1');
    expect(embed.title).toBe(escapeMarkdown('Leck bei **Firma** [mehr](https://evil.example)'));
  });

  it('cuts a 5,000-character title to 256 characters ending in an ellipsis', () => {
    const embed = cardEmbed(card({ title: 'Wort '.repeat(1000) }), 'de');
    expect(embed.title!.length).toBeLessThanOrEqual(EMBED_LIMITS.title);
    expect(embed.title!.length).toBeGreaterThan(200);
    expect(embed.title!.endsWith('…')).toBe(true);
  });

  it('cuts a 10,000-character summary to the description limit', () => {
    const embed = cardEmbed(card({ summary: 'Satz. '.repeat(1667) }), 'de');
    expect(embed.description!.length).toBeLessThanOrEqual(EMBED_LIMITS.description);
    expect(embed.description!.length).toBeGreaterThan(3000);
  });

  it('keeps ten cards crowded with companies and types within 6,000 characters together', () => {
    const crowded = card({
      title: 'Eine ziemlich lange Überschrift über einen Vorfall '.repeat(10),
      companies: Array.from({ length: 12 }, (_, n) => ({ id: `firma-${n}`, name: `Beispielfirma Nummer ${n}`, parentName: `Mutterkonzern ${n}` })),
      types: ['breach', 'data_sale', 'authority_access', 'insider_abuse', 'policy_change', 'tracking', 'unlawful_processing', 'enforcement'],
      outlet: 'netzpolitik.org',
      sourceCount: 12,
    });
    const message = channelMessage({ lines: ['Übersicht'], cards: Array.from({ length: 10 }, () => crowded), language: 'de' });
    expect(message.embeds).toHaveLength(10);
    expect(message.embeds.reduce((sum, embed) => sum + embedSize(embed), 0)).toBeLessThanOrEqual(6000);
  });

  it.each([6000, 1200])('keeps a long card within a budget of %i characters', (budget) => {
    const embed = cardEmbed(longCard(1), 'de', budget);
    expect(embedSize(embed)).toBeLessThanOrEqual(budget);
    expect(embed.description).toBeDefined();
  });

  it('colours by primary type, and a card without a type gets the neutral colour', () => {
    const colour = (types: Card['types']): number | undefined => cardEmbed(card({ types }), 'en').color;
    const none = Number.parseInt(colourData.colours.none.slice(1), 16);
    expect(colour([])).toBe(none);
    expect(colour(['breach', 'tracking'])).not.toBe(colour(['tracking', 'breach']));
    expect(new Set(INCIDENT_TYPES.map((type) => colour([type]))).size).toBe(INCIDENT_TYPES.length);
    for (const type of INCIDENT_TYPES) expect(colour([type]), type).not.toBe(none);
  });

  it('lists sources as masked links with brackets in their URLs percent-encoded', () => {
    const embed = cardEmbed(
      card({
        sourceCount: 2,
        sources: [
          { outlet: 'Heise', url: 'https://h.example/wiki/Ding_(Begriff)' },
          { outlet: 'Golem', url: 'https://g.example/a' },
        ],
      }),
      'de',
    );
    expect(embed.description).toContain('**Quellen:** [Heise](https://h.example/wiki/Ding_%28Begriff%29) · [Golem](https://g.example/a)');
  });

  it('names a source with an unsafe link without linking it, and counts sources it does not list', () => {
    const embed = cardEmbed(card({ sourceCount: 7, sources: [{ outlet: 'Böse', url: 'javascript:alert(1)' }] }), 'en');
    expect(embed.description).toContain('**Sources:** Böse and 6 more');
    expect(embed.description).not.toContain('javascript');
  });

  it('gives no url for a javascript: article link', () => {
    const embed = cardEmbed(card({ url: 'javascript:alert(1)' }), 'de');
    expect(embed.url).toBeUndefined();
    expect(JSON.stringify(embed)).not.toContain('javascript:');
  });

  it('labels fields in the given language and keeps the article text as it is', () => {
    const german = cardEmbed(card(), 'de');
    const english = cardEmbed(card(), 'en');
    expect(german.fields!.map((f) => f.name)).toEqual(['Unternehmen', 'Art']);
    expect(english.fields!.map((f) => f.name)).toEqual(['Companies', 'Type']);
    expect(german.fields![1]!.value).toBe('Datenleck');
    expect(english.fields![1]!.value).toBe('Data breach');
    expect(english.title).toBe(german.title);
    expect(german.footer!.text).toBe('Beispiel-Magazin · 1 Quelle');
    expect(cardEmbed(card({ sourceCount: 3 }), 'en').footer!.text).toBe('Beispiel-Magazin · 3 sources');
  });

  it('names companies with their parent in brackets', () => {
    const embed = cardEmbed(card({ companies: [{ id: 'ring', name: 'Ring', parentName: 'Amazon' }, { id: 'meta', name: 'Meta' }] }), 'en');
    expect(rendered(embed.fields![0]!.value)).toBe('Ring (Amazon), Meta');
    expect(unescapedSpecials(embed.fields![0]!.value)).toEqual([]);
  });

  it('leaves out empty fields and an unreadable date', () => {
    const embed = cardEmbed(card({ companies: [], types: [], published: 'gestern' }), 'de');
    expect(embed.fields).toBeUndefined();
    expect(embed.timestamp).toBeUndefined();
    expect(cardEmbed(card(), 'de').timestamp).toBe('2026-11-20T09:30:00.000Z');
  });
});

describe('replyMessage', () => {
  const action = (label: string, options: Record<string, string>, disabled?: boolean): ReplyAction => ({
    label,
    invocation: { command: 'incidents', options },
    ...(disabled === undefined ? {} : { disabled }),
  });

  it('never allows mentions, whatever the reply says', () => {
    for (const reply of [{ lines: ['@everyone <@123> <@&4>'] }, { lines: [], cards: [card({ title: '@here' })] }, { lines: ['x'], private: true }]) {
      expect(replyMessage(reply, 'en').allowed_mentions).toEqual({ parse: [] });
    }
    expect(replyMessage({ lines: ['@everyone <@123>'] }, 'en').content).toBe('@\u200beveryone \\<@123\\>');
  });

  it('bolds and escapes the title, and escapes the lines', () => {
    const message = replyMessage({ title: 'Treffer für *Ring*', lines: ['Kein Unternehmen „__x__“'] }, 'de');
    expect(message.content).toBe(`**${escapeMarkdown('Treffer für *Ring*')}**\nKein Unternehmen „\\_\\_x\\_\\_“`);
  });

  it('makes a private reply ephemeral', () => {
    expect(replyMessage({ lines: ['Nein.'], private: true }, 'de').flags).toBe(MessageFlags.Ephemeral);
    expect(MessageFlags.Ephemeral).toBe(64);
    expect(replyMessage({ lines: ['Ja.'] }, 'de').flags).toBeUndefined();
  });

  it('shows at most ten cards, all of them within 6,000 characters together', () => {
    const message = replyMessage({ lines: ['Liste'], cards: Array.from({ length: 12 }, (_, i) => longCard(i)) }, 'de');
    expect(message.embeds).toHaveLength(10);
    expect(message.embeds.reduce((sum, embed) => sum + embedSize(embed), 0)).toBeLessThanOrEqual(EMBED_LIMITS.total);
    expect(message.embeds.every((embed) => embed.description !== undefined)).toBe(true);
  });

  it('renders buttons five to a row with decodable custom ids', () => {
    const actions = Array.from({ length: 12 }, (_, i) => action(`Seite ${i + 1}`, { company: 'ring', page: String(i + 1) }));
    const message = replyMessage({ lines: ['x'], actions }, 'de');
    expect(message.components.map((row) => row.components.length)).toEqual([5, 5, 2]);
    const ids = customIds(message);
    ids.forEach((id, i) => {
      expect(id.length).toBeLessThanOrEqual(100);
      expect(decodeInvocation(id)).toEqual(actions[i]!.invocation);
    });
  });

  it('leaves out an action whose invocation does not fit a custom id, and keeps the disabled flag', () => {
    const actions = [action('Zurück', { page: '1' }, true), action('Zu lang', { company: 'ü'.repeat(40) }), action('Weiter', { page: '2' })];
    const buttons = replyMessage({ lines: ['x'], actions }, 'de').components.flatMap((row) => row.components);
    expect(buttons.map((b) => ('label' in b ? b.label : undefined))).toEqual(['Zurück', 'Weiter']);
    expect(buttons.map((b) => b.disabled)).toEqual([true, false]);
  });

  it('keeps custom ids unique and at most five rows', () => {
    const same = [action('A', { page: '1' }), action('B', { page: '1' })];
    expect(customIds(replyMessage({ lines: ['x'], actions: same }, 'de'))).toEqual(['incidents|page=1']);
    const many = Array.from({ length: 40 }, (_, i) => action(String(i), { page: String(i) }));
    expect(replyMessage({ lines: ['x'], actions: many }, 'de').components).toHaveLength(5);
  });

  it('cuts very long text to 2,000 characters', () => {
    const lines = Array.from({ length: 60 }, (_, i) => `Zeile ${i}: ${'*Wort* '.repeat(20)}`);
    const message = replyMessage({ title: 'Titel', lines }, 'de');
    expect(message.content.length).toBeLessThanOrEqual(2000);
    expect(message.content.endsWith('…')).toBe(true);
    expect(unescapedSpecials(message.content.replace(/^\*\*/, '').replace(/\*\*(?=\n)/, ''))).toEqual([]);
  });

  it('never sends empty content', () => {
    for (const reply of [{ lines: [] }, { lines: ['', '   '] }, { lines: [], cards: [card()] }] satisfies Reply[]) {
      expect(replyMessage(reply, 'de').content.length).toBeGreaterThan(0);
    }
  });
});

describe('channelMessage', () => {
  it('renders a digest like a reply: no mentions, no buttons, escaped bold title, at most ten cards within 6,000 characters', () => {
    const cards = Array.from({ length: 11 }, (_, i) => longCard(i));
    const message = channelMessage({ title: 'Übersicht @everyone', lines: ['Seit gestern'], cards, language: 'en' });
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(message.components).toEqual([]);
    expect(message.flags).toBeUndefined();
    expect(message.content).toBe('**Übersicht @\u200beveryone**\nSeit gestern');
    expect(message.embeds).toHaveLength(10);
    expect(message.embeds[0]!.fields![0]!.name).toBe('Companies');
    expect(message.embeds.reduce((sum, embed) => sum + embedSize(embed), 0)).toBeLessThanOrEqual(EMBED_LIMITS.total);
  });

  it('never sends empty content', () => {
    expect(channelMessage({ lines: [], cards: [card()], language: 'de' }).content.length).toBeGreaterThan(0);
  });

  it('heads each section of a grouped digest on its first embed, still within 6,000 characters', () => {
    const cards = Array.from({ length: 10 }, (_, i) => longCard(i));
    const sections = [
      { heading: 'Companies you follow', size: 3 },
      { heading: 'Data breach', size: 4 },
      { heading: 'More incidents', size: 3 },
    ];
    const message = channelMessage({ lines: [], cards, language: 'en', sections });
    expect(message.embeds.map((embed) => embed.author?.name)).toEqual([
      'Companies you follow', undefined, undefined, 'Data breach', undefined, undefined, undefined, 'More incidents', undefined, undefined,
    ]);
    expect(message.embeds.reduce((sum, embed) => sum + embedSize(embed), 0)).toBeLessThanOrEqual(EMBED_LIMITS.total);
  });
});

describe('commandPayloads', () => {
  const payloads = commandPayloads(COMMANDS) as RESTPostAPIChatInputApplicationCommandsJSONBody[];
  const byName = (name: string): RESTPostAPIChatInputApplicationCommandsJSONBody => payloads.find((p) => p.name === name)!;

  /** Every option list: a command's own, and each subcommand's. */
  const optionLists = (payload: RESTPostAPIChatInputApplicationCommandsJSONBody): APIApplicationCommandOption[][] => {
    const own = payload.options ?? [];
    return [own, ...own.flatMap((o) => (o.type === ApplicationCommandOptionType.Subcommand ? [o.options ?? []] : []))];
  };
  const allOptions = payloads.flatMap((p) => optionLists(p).flat());

  it('has one payload per command, with unique names', () => {
    expect(payloads.map((p) => p.name)).toEqual(COMMANDS.map((c) => c.name));
    expect(new Set(payloads.map((p) => p.name)).size).toBe(payloads.length);
  });

  it('uses names Discord accepts', () => {
    for (const named of [...payloads, ...allOptions]) expect(named.name).toMatch(/^[-_a-z0-9]{1,32}$/);
  });

  it('describes every command and option in 1–100 characters, in English and German', () => {
    for (const described of [...payloads, ...allOptions]) {
      expect(described.description.length, described.name).toBeGreaterThanOrEqual(1);
      expect(described.description.length, described.name).toBeLessThanOrEqual(100);
      const german = described.description_localizations?.de ?? '';
      expect(german.length, described.name).toBeGreaterThanOrEqual(1);
      expect(german.length, described.name).toBeLessThanOrEqual(100);
    }
  });

  it('asks for Manage Channels on manager commands only', () => {
    for (const command of COMMANDS) {
      expect(byName(command.name).default_member_permissions, command.name).toBe(command.access === 'managers' ? '16' : null);
    }
    expect(byName('digest').default_member_permissions).toBe('16');
    expect(byName('incidents').default_member_permissions).toBeNull();
  });

  it('offers channel commands in servers only, the others in DMs too', () => {
    for (const command of COMMANDS) {
      expect(byName(command.name).contexts, command.name).toEqual(command.scope === 'channels' ? [0] : [0, 1]);
    }
    expect(byName('subscribe').contexts).toEqual([0]);
    expect(byName('help').contexts).toEqual([0, 1]);
  });

  it('gives digest its subcommands daily, off and now', () => {
    const options = byName('digest').options ?? [];
    expect(options.map((o) => [o.name, o.type])).toEqual([
      ['daily', ApplicationCommandOptionType.Subcommand],
      ['off', ApplicationCommandOptionType.Subcommand],
      ['now', ApplicationCommandOptionType.Subcommand],
    ]);
    expect(ApplicationCommandOptionType.Subcommand).toBe(1);
  });

  it('autocompletes company options', () => {
    const companies = allOptions.filter((o) => o.name === 'company');
    expect(companies.length).toBeGreaterThanOrEqual(3);
    for (const option of companies) expect(option).toMatchObject({ type: ApplicationCommandOptionType.String, autocomplete: true });
  });

  it('offers the eight incident types as choices with German names', () => {
    const type = (byName('incidents').options ?? []).find((o) => o.name === 'type');
    expect(type?.type).toBe(ApplicationCommandOptionType.String);
    const choices = type && 'choices' in type ? (type.choices ?? []) : [];
    expect(choices.map((c) => c.value)).toEqual([...INCIDENT_TYPES]);
    expect(choices.find((c) => c.value === 'breach')).toMatchObject({ name: 'Data breach', name_localizations: { de: 'Datenleck' } });
    for (const choice of choices) {
      expect(choice.name.length).toBeGreaterThanOrEqual(1);
      expect(choice.name.length).toBeLessThanOrEqual(100);
      expect(choice.name_localizations?.de?.length ?? 0).toBeGreaterThanOrEqual(1);
      expect(choice.name_localizations?.de?.length ?? 0).toBeLessThanOrEqual(100);
    }
    // Discord rejects an option with both fixed choices and autocomplete.
    expect(type && 'autocomplete' in type ? type.autocomplete : undefined).toBeFalsy();
  });

  it('puts required options before optional ones in every option list', () => {
    for (const payload of payloads) {
      for (const list of optionLists(payload)) {
        const required = list.map((o) => ('required' in o && o.required === true));
        const firstOptional = required.indexOf(false);
        expect(firstOptional === -1 || !required.slice(firstOptional).includes(true), payload.name).toBe(true);
      }
    }
    expect((byName('incidents').options ?? [])[0]).toMatchObject({ name: 'company', required: true });
  });
});
