import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IDS, startDiscordServer, type DiscordStandIn, type StandInMessage } from '../../stand-ins/discord-server.ts';
import { startFeedServer, type FeedServer } from '../../stand-ins/feed-server.ts';
import { createBotFolder, serveStories } from '../../support/bot-fixture.ts';
import { runCli, startCli, type RunningCli } from '../../support/run-cli.ts';
import { AMAZON_STORIES, HOSTILE_STORY } from '../../fixtures/amazon-stories.ts';
import { plain } from '../../support/discord-text.ts';

/**
 * The bot as it runs in production — `privacy-radar run`, configured by environment — against the Discord
 * stand-in, with the real discord.js inside. The store is filled by a real poll of a loopback feed. Every
 * answer is read back the way a Discord user would see it.
 */

const MANAGE_CHANNELS = (1n << 4n).toString();
const LOCKED_CHANNEL = '100000000000000009';
const TOKEN = 'test-token-0123456789abcdef';

interface Embed {
  title?: string;
  url?: string;
  description?: string;
  color?: number;
  fields?: { name: string; value: string }[];
  footer?: { text: string };
}
interface Button {
  custom_id: string;
  label: string;
  disabled?: boolean;
}

/** What a reader sees: Discord drops the backslash before an escaped character. */
const textOf = (message: StandInMessage): string => plain(message.content);
const embedsOf = (message: StandInMessage): Embed[] => message.embeds as Embed[];
const buttonsOf = (message: StandInMessage): Button[] =>
  (message.components as { components: Button[] }[]).flatMap((row) => row.components);
const embedChars = (embed: Embed): number =>
  (embed.title?.length ?? 0) +
  (embed.description?.length ?? 0) +
  (embed.footer?.text.length ?? 0) +
  (embed.fields ?? []).reduce((sum, f) => sum + f.name.length + f.value.length, 0);

describe('privacy-radar on Discord (real discord.js against the stand-in)', () => {
  let discord: DiscordStandIn;
  let feeds: FeedServer;
  let bot: RunningCli;
  let env: Record<string, string>;

  const startBot = async (): Promise<RunningCli> => {
    const running = startCli(['run'], env);
    await running.waitForOutput(/Discord ready as/, 30_000);
    return running;
  };

  /** Sends a slash command and waits for what the user sees (a finished reply, not "thinking…"). */
  const ask = async (name: string, options: Record<string, unknown>[] = [], actor: { permissions?: string; channelId?: string; locale?: string } = {}) => {
    const { id } = await discord.slashCommand({ name, options: options as never, ...actor });
    return discord.waitFor(() => {
      const reply = discord.visibleReply(id) ?? discord.followUps(id)[0];
      return reply && (reply.flags & 128) === 0 ? reply : undefined;
    });
  };
  const manager = { permissions: MANAGE_CHANNELS };

  beforeAll(async () => {
    feeds = await startFeedServer();
    discord = await startDiscordServer({
      guilds: [{ id: DEFAULT_IDS.guild, name: 'Datenschutz-Treff', preferredLocale: 'de', channels: [{ id: DEFAULT_IDS.channel, name: 'news' }, { id: LOCKED_CHANNEL, name: 'locked' }] }],
    });
    // Announced as news (not filed as history), so that digests and their previews have stories to show.
    const folder = await createBotFolder(feeds, 'discord-e2e', { backfill: 20 });
    serveStories(feeds, [...AMAZON_STORIES, HOSTILE_STORY]);
    env = {
      ...folder.env,
      DISCORD_TOKEN: TOKEN,
      DISCORD_API_BASE: discord.apiBase,
      // Polls at start-up only: the test's feed does not change.
      POLL_CRON: '0 0 1 1 *',
    };
    expect((await runCli(['poll', '--once'], { ...env, LOG_LEVEL: 'warn' })).code).toBe(0);
    bot = await startBot();
  }, 60_000);

  afterAll(async () => {
    await bot?.stop();
    await discord?.close();
    await feeds?.close();
  });

  it('connects with the Guilds intent only and registers its commands globally, in English and German', () => {
    expect(discord.identifies).toBe(1);
    expect(discord.commandRegistrations).toHaveLength(1);
    const [registration] = discord.commandRegistrations;
    expect(registration!.scope).toBe('global');
    const commands = registration!.commands as { name: string; default_member_permissions: string | null; contexts: number[]; description_localizations: { de: string } }[];
    expect(commands.map((c) => c.name)).toEqual(['incidents', 'subscribe', 'unsubscribe', 'subscriptions', 'digest', 'feeds', 'language', 'forget', 'help', 'about']);
    const byName = new Map(commands.map((c) => [c.name, c]));
    expect(byName.get('subscribe')!.default_member_permissions).toBe(MANAGE_CHANNELS);
    expect(byName.get('incidents')!.default_member_permissions).toBeNull();
    expect(byName.get('incidents')!.contexts).toEqual([0, 1]);
    expect(byName.get('subscribe')!.contexts).toEqual([0]);
    expect(byName.get('incidents')!.description_localizations.de).toMatch(/Vorfälle/);
    expect(discord.unknownRoutes).toEqual([]);
  });

  it('answers /incidents amazon with its subsidiaries, five cards a page, and pages with buttons', async () => {
    const reply = await ask('incidents', [{ name: 'company', type: 3, value: 'amazon' }]);
    expect(reply.flags & 64).toBe(0);
    expect(textOf(reply)).toMatch(/^\*\*Amazon \(mit Ring, Alexa, [^)]+ und \d+ weiteren\): 7 Vorfälle — Seite 1 von 2\*\*/);
    const first = embedsOf(reply);
    expect(first).toHaveLength(5);
    // Newest first: the hostile item (11 Nov), then Ring (10 Nov).
    expect(first[1]!.title).toBe('Ring gibt Türklingel-Videos ohne Beschluss an Polizei weiter');
    expect(first[1]!.url).toBe('https://news.example/ring-police');
    expect(first[1]!.fields).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Unternehmen', value: expect.stringContaining('Ring \\(Amazon\\)') })]));
    expect(first[1]!.description).toContain('[Beispiel-News](https://news.example/ring-police)');
    const buttons = buttonsOf(reply);
    expect(buttons.map((b) => [b.label, b.disabled])).toEqual([['◀ Zurück', true], ['Weiter ▶', false]]);

    const press = await discord.pressButton({ customId: buttons[1]!.custom_id, message: reply });
    const page2 = await discord.waitFor(() => {
      const visible = discord.visibleReply(press.id);
      return visible && textOf(visible).includes('Seite 2 von 2') ? visible : undefined;
    });
    expect(embedsOf(page2)).toHaveLength(2);
    expect(embedsOf(page2).map((e) => e.title)).not.toContain(first[0]!.title);
    expect(buttonsOf(page2).map((b) => b.disabled)).toEqual([false, true]);
  });

  it('filters by type and date, and says so when nothing matches', async () => {
    const fines = await ask('incidents', [{ name: 'company', type: 3, value: 'Amazon' }, { name: 'type', type: 3, value: 'authority_access' }]);
    expect(embedsOf(fines).map((e) => e.title)).toEqual(['Ring gibt Türklingel-Videos ohne Beschluss an Polizei weiter']);
    expect(textOf(fines)).toContain('Art: Daten an Behörden');
    const none = await ask('incidents', [{ name: 'company', type: 3, value: 'amazon' }, { name: 'since', type: 3, value: '1d' }]);
    expect(textOf(none)).toContain('Zu Amazon');
    expect(textOf(none)).toContain('passen keine Vorfälle');
    const bad = await ask('incidents', [{ name: 'company', type: 3, value: 'amazon' }, { name: 'since', type: 3, value: 'gestern' }]);
    expect(bad.flags & 64).toBe(64);
    expect(textOf(bad)).toContain('2026-11-01');
  });

  it('suggests close names for a typo, with buttons that run the query, and answers kindly when nothing is close', async () => {
    const typo = await ask('incidents', [{ name: 'company', type: 3, value: 'amazn' }]);
    expect(typo.flags & 64).toBe(64);
    expect(textOf(typo)).toContain('Ein Unternehmen namens „amazn“ kenne ich nicht.');
    expect(textOf(typo)).toContain('Meintest du');
    const suggestion = buttonsOf(typo).find((b) => b.label === 'Amazon');
    expect(suggestion).toBeDefined();
    const press = await discord.pressButton({ customId: suggestion!.custom_id, message: typo });
    const answer = await discord.waitFor(() => discord.visibleReply(press.id));
    expect(textOf(answer)).toContain('7 Vorfälle');

    const nothing = await ask('incidents', [{ name: 'company', type: 3, value: 'qqqqqqqqqq' }]);
    expect(textOf(nothing)).toContain('kenne ich nicht');
    expect(textOf(nothing)).toContain('Schreibweise');
    expect(nothing.components).toEqual([]);
  });

  it('autocompletes company names from the gazetteer, companies with incidents first and counted', async () => {
    const { id } = await discord.autocomplete({ name: 'incidents', options: [{ name: 'company', type: 3, value: 'am' }], focused: 'company' });
    const choices = (await discord.waitFor(() => discord.autocompleteChoices(id))) as { name: string; value: string }[];
    expect(choices[0]).toEqual({ name: 'Amazon — 7 Vorfälle', value: 'amazon' });
    expect(choices.length).toBeLessThanOrEqual(25);
    const empty = await discord.autocomplete({ name: 'incidents', options: [{ name: 'company', type: 3, value: '' }], focused: 'company' });
    const top = (await discord.waitFor(() => discord.autocompleteChoices(empty.id))) as { value: string }[];
    expect(top[0]!.value).toBe('amazon');
  });

  it('refuses manager commands to members, naming the missing permission, and lets managers subscribe', async () => {
    const refused = await ask('subscribe', [{ name: 'company', type: 3, value: 'amazon' }]);
    expect(refused.flags & 64).toBe(64);
    expect(textOf(refused)).toContain('Kanäle verwalten');

    const done = await ask('subscribe', [{ name: 'company', type: 3, value: 'amazon' }], manager);
    expect(textOf(done)).toContain('Amazon');
    expect(textOf(done)).toContain('Meldung');
    const covered = await ask('subscribe', [{ name: 'company', type: 3, value: 'ring' }], manager);
    expect(textOf(covered)).toContain('Amazon ist hier bereits abonniert');
    const list = await ask('subscriptions');
    expect(textOf(list)).toContain('Meldungen zu: Amazon');

    const { id } = await discord.autocomplete({ name: 'unsubscribe', options: [{ name: 'company', type: 3, value: '' }], focused: 'company', permissions: MANAGE_CHANNELS });
    expect(await discord.waitFor(() => discord.autocompleteChoices(id))).toEqual([{ name: 'Amazon', value: 'amazon' }]);
    const gone = await ask('unsubscribe', [{ name: 'company', type: 3, value: 'amazon' }], manager);
    expect(textOf(gone)).toContain('keine Meldungen zu Amazon mehr');
    expect(textOf(await ask('subscriptions'))).toContain('Meldungen: keine');
  });

  it('switches a channel to English and answers there in English', async () => {
    const switched = await ask('language', [{ name: 'language', type: 3, value: 'en' }], manager);
    try {
      expect(textOf(switched)).toContain('I will answer in English');
      const reply = await ask('incidents', [{ name: 'company', type: 3, value: 'ring' }]);
      expect(textOf(reply)).toContain('Ring: 1 incident');
      expect(embedsOf(reply)[0]!.fields).toEqual(expect.arrayContaining([{ name: 'Type', value: 'Data to authorities', inline: true }]));
    } finally {
      expect(textOf(await ask('language', [{ name: 'language', type: 3, value: 'de' }], manager))).toContain('auf Deutsch');
    }
  });

  it('sets the daily digest and posts a preview with /digest now, riding out a 429 and a 500', async () => {
    const set = await ask('digest', [{ name: 'daily', type: 1, options: [{ name: 'time', type: 3, value: '7:30' }, { name: 'timezone', type: 3, value: 'europe/vienna' }] }], manager);
    expect(textOf(set)).toContain('07:30 Uhr (Europe/Vienna)');
    const badTime = await ask('digest', [{ name: 'daily', type: 1, options: [{ name: 'time', type: 3, value: '25:00' }] }], manager);
    expect(textOf(badTime)).toContain('keine Uhrzeit');
    expect(textOf(await ask('subscriptions'))).toContain('07:30 Uhr (Europe/Vienna)');

    const sendsBefore = discord.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/channels/${DEFAULT_IDS.channel}/messages`)).length;
    discord.failNext({ method: 'POST', path: /\/channels\/\d+\/messages$/ }, { status: 429, retryAfterSeconds: 0.2 });
    discord.failNext({ method: 'POST', path: /\/channels\/\d+\/messages$/ }, { status: 500 });
    const preview = await ask('digest', [{ name: 'now', type: 1 }], manager);
    expect(textOf(preview)).toContain('Vorschau');
    const posted = discord.channelMessages.filter((m) => m.channelId === DEFAULT_IDS.channel);
    expect(posted).toHaveLength(1);
    const sends = discord.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/channels/${DEFAULT_IDS.channel}/messages`));
    expect(sends.slice(sendsBefore).map((r) => r.status)).toEqual([429, 500, 200]);
    const digest = posted[0]!;
    expect(digest.body.allowed_mentions).toEqual({ parse: [] });
    expect(plain(digest.message.content)).toContain('Datenschutz-Übersicht');
    expect((digest.message.embeds as Embed[]).length).toBeGreaterThan(0);

    const off = await ask('digest', [{ name: 'off', type: 1 }], manager);
    expect(textOf(off)).toContain('ist aus');
  });

  it('tells the manager when a channel forbids the bot, without retrying, and shows it in /subscriptions', async () => {
    discord.setChannelState(LOCKED_CHANNEL, 'forbidden');
    const before = discord.requests.length;
    const reply = await ask('digest', [{ name: 'now', type: 1 }], { ...manager, channelId: LOCKED_CHANNEL });
    expect(textOf(reply)).toContain('nicht mehr posten');
    const attempts = discord.requests.slice(before).filter((r) => r.path.endsWith(`/channels/${LOCKED_CHANNEL}/messages`));
    expect(attempts).toHaveLength(1);
    expect(textOf(await ask('subscriptions', [], { channelId: LOCKED_CHANNEL }))).toContain('gerade nicht posten');
    discord.setChannelState(LOCKED_CHANNEL, 'ok');
  });

  it('acknowledges a slow command within Discord\'s 3 seconds and delivers the answer afterwards', async () => {
    // The digest post waits out a 2.5 s rate limit: longer than the bot may keep an interaction waiting.
    discord.failNext({ method: 'POST', path: /\/channels\/\d+\/messages$/ }, { status: 429, retryAfterSeconds: 2.5 });
    const { id } = await discord.slashCommand({ name: 'digest', options: [{ name: 'now', type: 1 }], ...manager });
    const answer = await discord.waitFor(() => discord.followUps(id)[0], 10_000);
    expect(discord.callbacks.filter((c) => c.interactionId === id).map((c) => c.type)).toEqual([5]);
    expect(answer.flags & 64).toBe(64);
    expect(textOf(answer)).toContain('Vorschau');
  });

  it('works in direct messages for reading, and refuses channel settings there', async () => {
    const reply = await ask('incidents', [{ name: 'company', type: 3, value: 'twitch' }], { channelId: DEFAULT_IDS.dmChannel, locale: 'en-US' });
    expect(textOf(reply)).toContain('Twitch: 1 incident');
    const refused = await ask('subscribe', [{ name: 'company', type: 3, value: 'twitch' }], { channelId: DEFAULT_IDS.dmChannel, locale: 'en-US' });
    expect(textOf(refused)).toContain('only works in a channel');
    const help = await ask('help', [], { channelId: DEFAULT_IDS.dmChannel, locale: 'en-US' });
    expect(textOf(help)).toContain('/incidents <company>');
  });

  it('lists its feeds with their health, and explains itself in /about', async () => {
    const list = await ask('feeds');
    expect(textOf(list)).toContain('Beispiel-News (de) — zuletzt gelesen');
    const about = await ask('about');
    expect(textOf(about)).toContain('keine Nutzer-IDs');
    expect(textOf(about)).toContain('/forget');
  });

  it('shows a hostile feed item inert: no mention, no markup, within the embed limits', async () => {
    const reply = await ask('incidents', [{ name: 'company', type: 3, value: 'amazon' }]);
    const hostile = embedsOf(reply)[0]!;
    expect(hostile.url).toBe('https://news.example/hostile');
    expect(hostile.title!.length).toBeLessThanOrEqual(256);
    expect(hostile.title).toMatch(/…$/);
    expect(hostile.title).toContain('@\u200beveryone');
    expect(hostile.title).toContain('\\<@&123456789012345678\\>');
    expect(hostile.title).toContain('\\*\\*Amazon\\*\\*');
    expect(hostile.title).toContain('\\[klick\\]\\(https\\://evil.example\\)');
    expect(hostile.description).not.toMatch(/(?<!\\)<@&/);
    expect(hostile.description).toContain('\\|\\|Spoiler\\|\\|');
    expect(embedsOf(reply).reduce((sum, e) => sum + embedChars(e), 0)).toBeLessThanOrEqual(6000);
    for (const callback of discord.callbacks.filter((c) => c.type === 4 || c.type === 7)) {
      expect((callback.data as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [] });
    }
  });

  it('resumes after the gateway connection drops and keeps answering', async () => {
    discord.dropGatewayConnection();
    await discord.waitFor(() => discord.resumes === 1, 15_000);
    const reply = await ask('help');
    expect(textOf(reply)).toContain('was ich kann');
    expect(discord.identifies).toBe(1);
  });

  it('registers its commands again only when they changed, and in one server when told to', async () => {
    await bot.stop();
    bot = await startBot();
    expect(discord.commandRegistrations).toHaveLength(1);
    expect(textOf(await ask('help'))).toContain('/subscribe');
    await bot.stop();
    env = { ...env, DISCORD_GUILD_ID: DEFAULT_IDS.guild };
    bot = await startBot();
    expect(discord.commandRegistrations.map((r) => r.scope)).toEqual(['global', DEFAULT_IDS.guild]);
    expect(bot.output()).not.toContain(TOKEN);
  });

  it('forgets a channel that a server admin deletes', async () => {
    await ask('subscribe', [{ name: 'company', type: 3, value: 'meta' }], { ...manager, channelId: LOCKED_CHANNEL });
    expect(textOf(await ask('subscriptions', [], { channelId: LOCKED_CHANNEL }))).toContain('Meldungen zu: Meta');
    await discord.deleteChannel(LOCKED_CHANNEL);
    await bot.waitForOutput(/channel deleted: its settings were removed/);
    expect(textOf(await ask('subscriptions', [], { channelId: LOCKED_CHANNEL }))).toContain('Meldungen: keine');
  });

  it('deletes what it keeps about a channel on /forget', async () => {
    await ask('subscribe', [{ name: 'company', type: 3, value: 'twitch' }], manager);
    const forgot = await ask('forget', [], manager);
    expect(textOf(forgot)).toContain('speichere nichts mehr');
    expect(textOf(await ask('subscriptions'))).toContain('Meldungen: keine');
  });
});
