import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../commands/index.ts';
import { INCIDENTS_PAGE_SIZE } from '../../commands/incidents.ts';
import { loadGazetteer } from '../../src/analysis/company-gazetteer.ts';
import { ChannelUnavailableError, type ChannelMessage, type ChatServices, type CommandDefinition } from '../../src/chat/command.ts';
import { createCommandRunner, type CommandRequest } from '../../src/chat/run-command.ts';
import { composeDigest } from '../../src/delivery/compose-digest.ts';
import { createHttpFetcher, DEFAULT_FETCHER_OPTIONS } from '../../src/ingest/http-fetcher.ts';
import { probeFeed } from '../../src/ingest/probe-feed.ts';
import { createLogger } from '../../src/log.ts';
import type { Incident } from '../../src/model/analysis.ts';
import type { ChannelRef } from '../../src/model/channel.ts';
import { newIncidentId } from '../../src/store/incident-repo.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';

/**
 * The platform-neutral command pipeline with the real commands and a real (in-memory SQLite) store: what every
 * platform gets before its adapter renders it. The Discord end-to-end test covers the same commands on the wire.
 */

const NOW = new Date('2026-11-23T12:00:00.000Z');
const gazetteer = loadGazetteer();
let serial = 0;

function incident(companies: string[], firstSeen: string, extra: Partial<Incident> = {}): Incident {
  serial += 1;
  return {
    id: newIncidentId(firstSeen, `run-command-${serial}`),
    companies,
    types: ['breach'],
    title: `Vorfall ${serial}`,
    summary: `Zusammenfassung ${serial}.`,
    language: 'de',
    firstSeen,
    lastSeen: firstSeen,
    recordedAt: firstSeen,
    sources: [{ articleKey: `a${serial}`, url: `https://news.example/${serial}`, title: `Vorfall ${serial}`, outlet: 'Beispiel', feedId: 'news', published: firstSeen, language: 'de' }],
    ...extra,
  };
}

describe('the command runner with the real commands', () => {
  let store: Store;
  const posted: { channel: ChannelRef; message: ChannelMessage }[] = [];
  let postFailure: Error | undefined;
  const logged = new PassThrough();
  let logText = '';
  logged.on('data', (chunk: Buffer) => (logText += chunk.toString()));
  let services: ChatServices;

  const request = (command: string, options: Record<string, string | number> = {}, extra: Partial<CommandRequest> = {}): CommandRequest => ({
    invocation: { command, options },
    channel: { platform: 'discord', id: 'chan-1', guildId: 'guild-1', isDirect: false },
    isManager: true,
    fallbackLanguage: 'en',
    prefix: '/',
    managerRequirement: { en: 'the Manage Channels permission', de: 'die Berechtigung „Kanäle verwalten“' },
    ...extra,
  });

  beforeAll(async () => {
    store = await openStore('sqlite://:memory:');
    // Twelve Amazon-family incidents across two months, one Meta incident, all recorded in the last day.
    const amazon = Array.from({ length: 12 }, (_, n) =>
      incident([n % 3 === 0 ? 'ring' : 'amazon'], new Date(NOW.getTime() - (n + 1) * 3_600_000 * 30).toISOString(), {
        recordedAt: new Date(NOW.getTime() - (n + 1) * 60_000).toISOString(),
      }),
    );
    const meta = incident(['meta'], '2026-11-23T06:00:00.000Z', { sources: [1, 2, 3].map((k) => ({ ...amazon[0]!.sources[0]!, articleKey: `m${k}` })) });
    await store.incidents.putMany([...amazon, meta]);
    services = {
      store,
      gazetteer,
      feeds: [],
      version: '9.9.9',
      homepage: 'https://example.org/privacy-radar',
      defaultTimezone: 'Europe/Berlin',
      defaultDigestTime: '07:30',
      // The fetch is the edge here (the Discord end-to-end test reads real feeds): these addresses "are" feeds.
      probeFeed: async (url) =>
        url.startsWith('https://blog.example/')
          ? { ok: true, url, title: `Blog ${url.slice(-6)}`, language: 'de', items: 3 }
          : { ok: false, reason: 'not-a-feed', detail: `${url} is not an RSS or Atom feed` },
      userFeedLimit: 2,
      now: () => NOW,
      post: async (channel, message) => {
        if (postFailure) throw postFailure;
        posted.push({ channel, message });
      },
    };
  });
  afterAll(async () => {
    await store.close();
  });

  const runner = () => createCommandRunner(COMMANDS, services, createLogger('info', 'json', logged));

  it('pages /incidents five at a time, clamps a page past the end, and offers the buttons to move', async () => {
    const first = await runner().run(request('incidents', { company: 'Amazon' }));
    expect(first.title).toMatch(/^Amazon \(with Ring, .*\): 12 incidents — page 1 of 3$/);
    expect(first.cards).toHaveLength(INCIDENTS_PAGE_SIZE);
    expect(first.actions?.map((a) => [a.invocation.options.page, a.disabled])).toEqual([[1, true], [2, false]]);
    const last = await runner().run(request('incidents', { company: 'amazon', page: 99 }));
    expect(last.title).toContain('page 3 of 3');
    expect(last.cards).toHaveLength(2);
    expect(last.language).toBe('en');
  });

  it('answers a typo with suggestions, each a button that re-runs the query with its filters', async () => {
    const reply = await runner().run(request('incidents', { company: 'amazn', type: 'breach' }));
    expect(reply.private).toBe(true);
    expect(reply.lines[0]).toBe('I don\'t know a company called "amazn".');
    expect(reply.actions?.[0]?.invocation).toEqual({ command: 'incidents', options: { type: 'breach', company: 'amazon' } });
  });

  it('validates options against the definitions, with the usage line', async () => {
    const r = runner();
    expect((await r.run(request('incidents'))).lines[0]).toBe('/incidents needs a company. Usage: /incidents <company> [--type breach] [--since 30d] [--page 2]');
    expect((await r.run(request('incidents', { company: 'amazon', page: 'zwei' }))).lines[0]).toBe('page must be a whole number from 1 to 1000.');
    expect((await r.run(request('incidents', { company: 'amazon', type: 'leak' }))).lines[0]).toMatch(/^"leak" is not a valid type\. Choose one of: breach, /);
    expect((await r.run(request('incidents', { company: 'x'.repeat(101) }))).lines[0]).toBe('company can be at most 100 characters long.');
    expect((await r.run(request('incidents', { company: 'amazon', colour: 'red' }))).lines[0]).toMatch(/has no option "colour"/);
    expect((await r.run(request('feeds', { _words: 'bitte alle' }))).lines[0]).toBe('I did not understand "bitte alle". Usage: /feeds · /feeds add <url> · /feeds remove <url or name>');
    expect((await r.run(request('nonsense'))).lines[0]).toBe('I don\'t know the command "nonsense". /help lists what I can do.');
    // A choice may be given by its label, in the channel's language.
    expect((await r.run(request('incidents', { company: 'amazon', type: 'Data breach' }))).title).toContain('12 incidents');
  });

  it('refuses manager commands to members and channel settings in direct messages, privately', async () => {
    const member = await runner().run(request('subscribe', { company: 'amazon' }, { isManager: false, fallbackLanguage: 'de' }));
    expect(member).toMatchObject({ private: true, language: 'de' });
    expect(member.lines[0]).toBe('Nur Kanalverwalter können /subscribe nutzen: Dafür brauchst du die Berechtigung „Kanäle verwalten“.');
    const dm = await runner().run(request('digest', {}, { channel: { platform: 'discord', id: 'dm-1', isDirect: true } }));
    expect(dm.lines[0]).toContain('only works in a channel');
    expect(await store.channels.get({ platform: 'discord', id: 'dm-1' })).toBeUndefined();
  });

  it('answers a failing handler with a short apology and logs the cause', async () => {
    const broken: CommandDefinition = {
      name: 'broken',
      description: { en: 'fails', de: 'scheitert' },
      access: 'everyone',
      scope: 'anywhere',
      usage: ['broken'],
      options: [],
      handle: async () => {
        throw new Error('disk on fire');
      },
    };
    const reply = await createCommandRunner([broken], services, createLogger('info', 'json', logged)).run(request('broken'));
    expect(reply).toEqual({ lines: ['Something went wrong on my side. The operator can find the details in the log.'], private: true, language: 'en' });
    expect(logText).toContain('disk on fire');
    expect(reply.lines.join()).not.toContain('disk on fire');
  });

  it('autocompletes within Discord\'s bounds and never throws', async () => {
    const choices = await runner().autocomplete({ ...request('incidents'), focused: 'company', typed: 'ama' });
    expect(choices[0]).toEqual({ label: 'Amazon — 12 incidents', value: 'amazon' });
    const zones = await runner().autocomplete({ ...request('digest'), invocation: { command: 'digest', subcommand: 'daily', options: {} }, focused: 'timezone', typed: 'berl' });
    expect(zones).toEqual([{ label: 'Europe/Berlin', value: 'Europe/Berlin' }]);
    expect(await runner().autocomplete({ ...request('incidents'), focused: 'page', typed: '1' })).toEqual([]);
    expect(await runner().autocomplete({ ...request('nope'), focused: 'company', typed: 'a' })).toEqual([]);
    const everything = await runner().autocomplete({ ...request('incidents'), focused: 'company', typed: 'a'.repeat(5000) });
    expect(everything.length).toBeLessThanOrEqual(25);
  });

  it('keeps settings per channel: subscriptions, digest with the default zone, language', async () => {
    const r = runner();
    expect((await r.run(request('subscribe', { company: 'o2' }))).lines[0]).toBe('This channel now gets an alert for every new incident involving O2.');
    expect((await r.run(request('subscribe', { company: 'Telefónica' }))).lines[0]).toMatch(/Telefónica \(with .*O2/);
    expect((await r.run(request('digest', { time: '7:05' }))).lines[0]).toBe('This channel gets a daily digest at 07:05 (Europe/Berlin).');
    expect((await r.run(request('digest', { time: '08:00', timezone: 'Mars/Olympus' }))).lines[0]).toContain('not a time zone I know');
    const settings = await r.run(request('subscriptions'));
    expect(settings.lines).toEqual(['Alerts for: O2, Telefónica', 'Daily digest: 07:05 (Europe/Berlin)', 'Language: English']);
    expect(await store.channels.subscribersOf(['o2'])).toEqual([{ platform: 'discord', id: 'chan-1' }]);
  });

  it('lets managers add outlets of their own, up to the limit, shared between servers and removable', async () => {
    const r = runner();
    const feedsOf = async (server: string) => (await store.userFeeds.ofServer(server)).map((feed) => feed.feed.url);
    const add = (url: string, extra: Partial<CommandRequest> = {}) => r.run(request('feeds', { url }, { invocation: { command: 'feeds', subcommand: 'add', options: { url } }, ...extra }));
    expect((await add('https://blog.example/feed-1')).lines[0]).toMatch(/^Added Blog feed-1 \(de, 3 items now\)/);
    expect((await add('https://blog.example/feed-1#top')).lines[0]).toBe('This server added Blog feed-1 already.');
    expect((await add('https://news.example/page.html')).lines[0]).toBe('That is not an RSS or Atom feed: https://news.example/page.html is not an RSS or Atom feed.');
    expect((await add('ftp://blog.example/feed')).lines[0]).toBe('I cannot add that: only http and https feeds can be added, not ftp.');
    expect((await add('https://user:secret@blog.example/feed')).lines[0]).toContain('must not carry a user name or password');
    expect((await add('https://blog.example/feed-2', { isManager: false })).lines[0]).toContain('Only channel managers can use /feeds add');
    expect((await add('https://blog.example/feed-2', { channel: { platform: 'discord', id: 'dm-1', isDirect: true } })).lines[0]).toContain('only works in a channel');
    expect((await add('https://blog.example/feed-2')).lines[0]).toMatch(/^Added/);
    expect((await add('https://blog.example/feed-3')).lines[0]).toContain('has added 2 outlets, the most it may');
    expect(await feedsOf('discord:guild-1')).toEqual(['https://blog.example/feed-1', 'https://blog.example/feed-2']);

    // Another server adds the same address: one feed, read once, for both.
    const otherGuild = { channel: { platform: 'discord' as const, id: 'chan-9', guildId: 'guild-9', isDirect: false } };
    await add('https://blog.example/feed-1', otherGuild);
    expect((await store.userFeeds.all()).map((feed) => [feed.feed.url, feed.servers])).toEqual([
      ['https://blog.example/feed-1', ['discord:guild-1', 'discord:guild-9']],
      ['https://blog.example/feed-2', ['discord:guild-1']],
    ]);
    const list = await r.run(request('feeds'));
    expect(list.lines).toContain('Outlets this server added (2 of 2):');

    const remove = (feed: string, extra: Partial<CommandRequest> = {}) => r.run(request('feeds', {}, { invocation: { command: 'feeds', subcommand: 'remove', options: { feed } }, ...extra }));
    expect((await remove('blog feed-1')).lines[0]).toBe('Removed Blog feed-1: this server no longer gets its stories.');
    expect((await remove('https://blog.example/nothing')).lines[0]).toContain('has not added an outlet');
    expect((await store.userFeeds.all()).map((feed) => [feed.feed.url, feed.servers])).toEqual([
      ['https://blog.example/feed-1', ['discord:guild-9']],
      ['https://blog.example/feed-2', ['discord:guild-1']],
    ]);
    await remove('https://blog.example/feed-1', otherGuild);
    expect((await store.userFeeds.all()).map((feed) => feed.feed.url)).toEqual(['https://blog.example/feed-2']);
  });

  it('refuses to add a feed on a private address, with the reason, through the real guarded fetcher', async () => {
    const fetcher = createHttpFetcher({ ...DEFAULT_FETCHER_OPTIONS, userAgent: 'privacy-radar-test' });
    try {
      const guarded = createCommandRunner(COMMANDS, { ...services, probeFeed: (url) => probeFeed(url, fetcher) }, createLogger('info', 'json', logged));
      const url = 'http://127.0.0.1:9/feed.xml';
      const reply = await guarded.run(request('feeds', { url }, { invocation: { command: 'feeds', subcommand: 'add', options: { url } } }));
      expect(reply.lines[0]).toBe('I only read feeds on public addresses: refusing to fetch http://127.0.0.1:9/feed.xml: 127.0.0.1 is a loopback address.');
    } finally {
      await fetcher.close();
    }
  });

  it('takes the default digest time when none is given, and keeps a channel\'s own time when only the zone changes', async () => {
    const r = runner();
    const elsewhere = { channel: { platform: 'discord' as const, id: 'chan-defaults', isDirect: false } };
    expect((await r.run(request('digest', {}, elsewhere))).lines[0]).toBe('This channel gets a daily digest at 07:30 (Europe/Berlin).');
    await r.run(request('digest', { time: '06:15' }, elsewhere));
    expect((await r.run(request('digest', { timezone: 'America/New_York' }, elsewhere))).lines[0]).toBe('This channel gets a daily digest at 06:15 (America/New_York).');
  });

  it('previews the digest with /digest now: subscribed companies first, nothing posted when nothing is new', async () => {
    const r = runner();
    await r.run(request('subscribe', { company: 'ring' }, { channel: { platform: 'discord', id: 'chan-2', isDirect: false } }));
    const reply = await r.run(request('digest', {}, { invocation: { command: 'digest', subcommand: 'now', options: {} }, channel: { platform: 'discord', id: 'chan-2', isDirect: false } }));
    expect(reply.private).toBe(true);
    expect(reply.lines[0]).toContain('preview');
    const { message, channel } = posted.at(-1)!;
    expect(channel.id).toBe('chan-2');
    expect(message.title).toBe('Privacy digest: 13 new incidents');
    expect(message.cards).toHaveLength(10);
    // The four Ring incidents first (subscribed), then the Meta one (three sources), then the rest.
    expect(message.cards.slice(0, 4).every((card) => card.companies.some((c) => c.id === 'ring'))).toBe(true);
    expect(message.cards[4]!.companies[0]!.id).toBe('meta');
    expect(message.lines).toContain('…and 3 more. /incidents <company> shows a company\'s history.');

    await store.channels.update({ platform: 'discord', id: 'chan-3' }, (s) => (s.lastDigestAt = NOW.toISOString()));
    const nothing = await r.run(request('digest', {}, { invocation: { command: 'digest', subcommand: 'now', options: {} }, channel: { platform: 'discord', id: 'chan-3', isDirect: false } }));
    expect(nothing.lines[0]).toBe('Nothing new since 2026-11-23: no digest to show.');

    postFailure = new ChannelUnavailableError('gone');
    try {
      const failed = await r.run(request('digest', {}, { invocation: { command: 'digest', subcommand: 'now', options: {} } }));
      expect(failed.lines[0]).toContain('can no longer post in this channel');
    } finally {
      postFailure = undefined;
    }
  });

  it('composes a digest from what was recorded since the last one, not from publication dates', async () => {
    const digest = await composeDigest({ incidents: store.incidents, gazetteer, subscriptions: [], lastDigestAt: new Date(NOW.getTime() - 5.5 * 60_000).toISOString(), now: NOW });
    // Recorded 1–5 minutes ago, though published days ago.
    expect(digest.total).toBe(5);
    expect(digest.cards.map((c) => c.title)).toHaveLength(5);
  });
});
