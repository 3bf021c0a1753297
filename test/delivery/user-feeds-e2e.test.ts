import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMAZON_STORIES, BREAKING_STORIES, type FeedStory } from '../fixtures/amazon-stories.ts';
import { startDiscordServer, type DiscordStandIn } from '../stand-ins/discord-server.ts';
import { htmlPage, rssFeed, serve, startFeedServer, type FeedServer } from '../stand-ins/feed-server.ts';
import { createBotFolder, discordEnv, FAST_SCHEDULE, serveStories } from '../support/bot-fixture.ts';
import { startCli, type RunningCli } from '../support/run-cli.ts';
import { plain } from '../support/discord-text.ts';

/**
 * A server adds an outlet of its own with `/feeds add`: the bot reads the URL once to check it is a feed,
 * then polls it with the catalogue's outlets and fetches its article pages; a new story there alerts the
 * server that added it — and not another server following the same company. `/feeds remove` ends it.
 */

const GUILD_A = '650000000000000001';
const CHANNEL_A = '650000000000000011';
const GUILD_B = '650000000000000002';
const CHANNEL_B = '650000000000000022';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('feeds that a server adds', () => {
  let discord: DiscordStandIn;
  let feeds: FeedServer;
  let bot: RunningCli;
  const manager = { permissions: (1n << 4n).toString(), locale: 'en-US' };
  const ask = async (channelId: string, name: string, options: Record<string, unknown>[]) => {
    const { id } = await discord.slashCommand({ name, options: options as never, channelId, ...manager });
    const reply = await discord.waitFor(() => discord.visibleReply(id), 15_000);
    return plain(reply.content);
  };
  const alertsIn = (channel: string) => discord.channelMessages.filter((m) => m.channelId === channel && m.message.content.includes('New incident'));
  /** The blog serves these stories, each linking to an article page on the same loopback server. */
  const serveBlog = (stories: readonly FeedStory[]) => {
    feeds.route('/blog.xml', serve(rssFeed({ title: 'Datenschutz-Blog', language: 'de-DE', items: stories.map((s) => ({ guid: s.guid, title: s.title, link: feeds.url(`/blog/${s.guid}`), description: s.title, pubDate: new Date(s.date) })) })));
    for (const story of stories) feeds.route(`/blog/${story.guid}`, serve(htmlPage({ title: story.title, paragraphs: [story.text] }), { contentType: 'text/html; charset=utf-8' }));
  };

  beforeAll(async () => {
    feeds = await startFeedServer();
    discord = await startDiscordServer({
      guilds: [
        { id: GUILD_A, preferredLocale: 'en-US', channels: [{ id: CHANNEL_A }] },
        { id: GUILD_B, preferredLocale: 'en-US', channels: [{ id: CHANNEL_B }] },
      ],
    });
    const folder = await createBotFolder(feeds, 'user-feeds');
    serveStories(feeds, AMAZON_STORIES);
    serveBlog([AMAZON_STORIES[0]!]);
    feeds.route('/page.html', serve(htmlPage({ title: 'Not a feed', paragraphs: ['Just a page.'] }), { contentType: 'text/html; charset=utf-8' }));
    bot = startCli(['run'], { ...folder.env, ...discordEnv(discord), ...FAST_SCHEDULE });
    await bot.waitForOutput(/poll cycle done/, 30_000);
    for (const channel of [CHANNEL_A, CHANNEL_B]) await ask(channel, 'subscribe', [{ name: 'company', type: 3, value: 'amazon' }]);
  }, 60_000);

  afterAll(async () => {
    await bot?.stop();
    await discord?.close();
    await feeds?.close();
  });

  const add = (channel: string, url: string) => ask(channel, 'feeds', [{ name: 'add', type: 1, options: [{ name: 'url', type: 3, value: url }] }]);

  it('checks an address before adding it', async () => {
    expect(await add(CHANNEL_A, feeds.url('/page.html'))).toContain('is not an RSS or Atom feed');
    expect(await add(CHANNEL_A, 'file:///etc/passwd')).toContain('only http and https feeds can be added');
    expect(await add(CHANNEL_A, feeds.url('/news.xml'))).toContain('I read Beispiel-News for everyone already');
    expect(await add(CHANNEL_A, feeds.url('/blog.xml'))).toMatch(/^Added Datenschutz-Blog \(de, 1 items now\)/);
  }, 30_000);

  it('polls the added feed and alerts only the server that added it', async () => {
    // Its first poll takes what it carries now as history, as for any new feed: no alerts about the backlog.
    const before = feeds.requestsTo('/blog.xml').length;
    await discord.waitFor(() => feeds.requestsTo('/blog.xml').length > before, 10_000);
    await bot.waitForOutput(/poll cycle done: 2 feeds polled, 1 new/, 10_000);
    serveBlog([AMAZON_STORIES[0]!, BREAKING_STORIES.ringLeak]);
    const alert = await discord.waitFor(() => alertsIn(CHANNEL_A)[0], 20_000);
    expect(JSON.stringify(alert.message.embeds)).toContain('Ring');
    // The story came from the article page, which the bot fetched for the announced item.
    expect(feeds.requestsTo(`/blog/${BREAKING_STORIES.ringLeak.guid}`).length).toBeGreaterThan(0);
    await sleep(3_000);
    expect(alertsIn(CHANNEL_B)).toHaveLength(0);
    expect(alertsIn(CHANNEL_A)).toHaveLength(1);
  }, 40_000);

  it('lists it for its server and stops reading it once removed', async () => {
    expect(await ask(CHANNEL_A, 'feeds', [{ name: 'list', type: 1, options: [] }])).toContain('Outlets this server added (1 of 20)');
    expect(await ask(CHANNEL_B, 'feeds', [{ name: 'list', type: 1, options: [] }])).not.toContain('Outlets this server added');
    expect(await ask(CHANNEL_A, 'feeds', [{ name: 'remove', type: 1, options: [{ name: 'feed', type: 3, value: 'Datenschutz-Blog' }] }])).toContain('Removed Datenschutz-Blog');
    await sleep(2_500);
    const after = feeds.requestsTo('/blog.xml').length;
    await sleep(4_500);
    expect(feeds.requestsTo('/blog.xml').length).toBe(after);
  }, 30_000);
});
