import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  Routes,
  type Interaction,
  type TextChannel,
} from 'discord.js';
import { DEFAULT_IDS, startDiscordServer, type DiscordStandIn, type DiscordStandInOptions, type StandInMessage } from './discord-server.ts';

let discord: DiscordStandIn | undefined;
let client: Client | undefined;
/** Errors thrown by the bot's interaction handlers; a test whose handler failed fails here with the real cause. */
let botErrors: unknown[] = [];

afterEach(async () => {
  await client?.destroy();
  await discord?.close();
  client = undefined;
  discord = undefined;
  const errors = botErrors;
  botErrors = [];
  expect(errors).toEqual([]);
});

/** Starts the stand-in and a real discord.js client logged in to it; resolves once the client is ready. */
async function startBot(options?: DiscordStandInOptions): Promise<{ discord: DiscordStandIn; client: Client }> {
  discord = await startDiscordServer(options);
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiBase } });
  const ready = once(client, Events.ClientReady);
  await client.login('test-token');
  await ready;
  return { discord, client };
}

/** Runs `handler` for every interaction, like the bot's adapter would; its failures end up in `botErrors`. */
function onInteraction(bot: Client, handler: (interaction: Interaction) => Promise<unknown>): void {
  bot.on(Events.InteractionCreate, (interaction) => {
    handler(interaction).catch((error: unknown) => botErrors.push(error));
  });
}

const cardButtons = new ActionRowBuilder<ButtonBuilder>().addComponents(
  new ButtonBuilder().setCustomId('card:more').setLabel('Mehr').setStyle(ButtonStyle.Primary),
  new ButtonBuilder().setCustomId('card:off').setLabel('Aus').setStyle(ButtonStyle.Secondary).setDisabled(true),
);

describe('Discord stand-in with the real discord.js client', () => {
  it('logs in through /gateway/bot, identifies once and receives every guild before ready', async () => {
    const { discord, client } = await startBot();
    const guild = client.guilds.cache.get(DEFAULT_IDS.guild);
    // Had GUILD_CREATE been missing, discord.js would only turn ready after its 15 s wait, with the guild unavailable.
    expect(guild?.available).toBe(true);
    expect(guild?.preferredLocale).toBe('de');
    expect(guild?.channels.cache.get(DEFAULT_IDS.channel)?.isTextBased()).toBe(true);
    expect(guild?.members.me?.id).toBe(discord.botUser.id);
    expect(client.user?.id).toBe(discord.botUser.id);
    expect(client.application?.id).toBe(discord.applicationId);
    expect(discord.identifies).toBe(1);
    expect(discord.connected).toBe(true);
    expect(discord.requests.some((request) => request.path.startsWith('/api/v10/gateway/bot'))).toBe(true);
    expect(discord.unknownRoutes).toEqual([]);
  });

  it('delivers a slash command and shows the reply the bot sent, with its allowed mentions recorded', async () => {
    const { discord, client } = await startBot();
    const seen: Interaction[] = [];
    onInteraction(client, async (interaction) => {
      seen.push(interaction);
      if (!interaction.isChatInputCommand()) return;
      await interaction.reply({ content: `Feed: ${interaction.options.getString('feed')}`, allowedMentions: { parse: [] } });
    });

    const { id } = await discord.slashCommand({ name: 'radar', options: [{ name: 'feed', type: 3, value: 'heise' }], locale: 'en-GB' });
    const reply = await discord.waitFor(() => discord.visibleReply(id));

    expect(reply.content).toBe('Feed: heise');
    expect(reply.author.id).toBe(discord.botUser.id);
    expect(discord.callbacks).toMatchObject([{ interactionId: id, type: 4, data: { allowed_mentions: { parse: [] } } }]);
    const interaction = seen[0];
    expect(interaction?.isChatInputCommand() && interaction.commandName).toBe('radar');
    expect(interaction?.guildId).toBe(DEFAULT_IDS.guild);
    expect(interaction?.locale).toBe('en-GB');
    expect(interaction?.guildLocale).toBe('de');
    expect(interaction?.memberPermissions?.has('ManageGuild')).toBe(false);
  });

  it('marks a DM interaction as coming from the user, not a guild member', async () => {
    const { discord, client } = await startBot();
    const seen: Interaction[] = [];
    onInteraction(client, async (interaction) => {
      seen.push(interaction);
      if (interaction.isChatInputCommand()) await interaction.reply({ content: 'privat' });
    });

    const { id } = await discord.slashCommand({ name: 'radar', channelId: DEFAULT_IDS.dmChannel });
    await discord.waitFor(() => discord.visibleReply(id));

    expect(seen[0]?.guildId).toBeNull();
    expect(seen[0]?.member).toBeNull();
    expect(seen[0]?.user.id).toBe(DEFAULT_IDS.user);
    expect(discord.visibleReply(id)?.guild_id).toBeUndefined();
  });

  it('shows "thinking" after deferReply, then the edited reply, with follow-ups kept separately', async () => {
    const { discord, client } = await startBot();
    let thinking: StandInMessage | undefined;
    onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      thinking = structuredClone(discord.visibleReply(interaction.id));
      await interaction.editReply({ content: 'fertig' });
      await interaction.followUp({ content: 'noch etwas' });
    });

    const { id } = await discord.slashCommand({ name: 'radar' });
    const followUp = await discord.waitFor(() => discord.followUps(id)[0]);

    expect(thinking).toMatchObject({ content: '', flags: 128 });
    expect(discord.callbacks.map((callback) => callback.type)).toEqual([5]);
    expect(discord.visibleReply(id)).toMatchObject({ content: 'fertig', flags: 0 });
    expect(discord.visibleReply(id)?.edited_timestamp).not.toBeNull();
    expect(followUp.content).toBe('noch etwas');
    expect(followUp.id).not.toBe(discord.visibleReply(id)?.id);
  });

  it('answers autocomplete with the choices the bot sent for the focused option', async () => {
    const { discord, client } = await startBot();
    let typed: string | undefined;
    onInteraction(client, async (interaction) => {
      if (!interaction.isAutocomplete()) return;
      typed = interaction.options.getFocused();
      await interaction.respond([{ name: 'heise online', value: 'heise' }]);
    });

    const { id } = await discord.autocomplete({
      name: 'feeds',
      options: [{ name: 'remove', type: 1, options: [{ name: 'feed', type: 3, value: 'hei' }] }],
      focused: 'feed',
    });
    const choices = await discord.waitFor(() => discord.autocompleteChoices(id));

    expect(typed).toBe('hei');
    expect(choices).toEqual([{ name: 'heise online', value: 'heise' }]);
    expect(discord.visibleReply(id)).toBeUndefined();
  });

  it('lets the user press a button on a sent message and shows the message as the bot updated it', async () => {
    const { discord, client } = await startBot();
    onInteraction(client, async (interaction) => {
      if (interaction.isButton() && interaction.customId === 'card:more') {
        await interaction.update({ content: 'Karte mit Details', components: [] });
      }
    });
    const channel = client.channels.cache.get(DEFAULT_IDS.channel) as TextChannel;
    const card = await channel.send({ content: 'Karte', components: [cardButtons] });

    const { id } = await discord.pressButton({ customId: 'card:more', message: card.id });
    const updated = await discord.waitFor(() => (discord.visibleReply(id)?.content === 'Karte mit Details' ? discord.visibleReply(id) : undefined));

    expect(updated.id).toBe(card.id);
    expect(updated.components).toEqual([]);
    expect(discord.message(card.id)?.content).toBe('Karte mit Details');
    expect(discord.channelMessages[0]?.message.content).toBe('Karte');
    await expect(discord.pressButton({ customId: 'card:more', message: card.id })).rejects.toThrow(/no component/);
  });

  it('refuses to press a disabled button', async () => {
    const { discord, client } = await startBot();
    const channel = client.channels.cache.get(DEFAULT_IDS.channel) as TextChannel;
    const card = await channel.send({ content: 'Karte', components: [cardButtons] });
    await expect(discord.pressButton({ customId: 'card:off', message: card.id })).rejects.toThrow(/disabled/);
  });

  it('records a channel send with allowed mentions and nonce', async () => {
    const { discord, client } = await startBot();
    const body = { content: 'Neue Meldung', allowed_mentions: { parse: [] }, nonce: 'n-1', enforce_nonce: true };

    const answer = (await client.rest.post(Routes.channelMessages(DEFAULT_IDS.channel), { body })) as { id: string; content: string; nonce: string };

    expect(answer).toMatchObject({ content: 'Neue Meldung', nonce: 'n-1', channel_id: DEFAULT_IDS.channel });
    expect(typeof answer.id).toBe('string');
    expect(discord.channelMessages).toMatchObject([{ channelId: DEFAULT_IDS.channel, body, message: { id: answer.id } }]);
  });

  it('rate-limits with Retry-After; discord.js waits and retries once', async () => {
    const { discord, client } = await startBot();
    discord.failNext({ method: 'POST', path: /\/channels\/\d+\/messages$/ }, { status: 429, retryAfterSeconds: 0.2 });

    await client.rest.post(Routes.channelMessages(DEFAULT_IDS.channel), { body: { content: 'nach der Pause' } });

    const sends = discord.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/messages'));
    expect(sends.map((request) => request.status)).toEqual([429, 200]);
    expect(discord.channelMessages.map((sent) => sent.message.content)).toEqual(['nach der Pause']);
  });

  it('answers a 500 once; the REST manager retries', async () => {
    const { discord, client } = await startBot();
    discord.failNext({ path: /\/channels\/\d+\/messages$/ }, { status: 500 });

    await client.rest.post(Routes.channelMessages(DEFAULT_IDS.channel), { body: { content: 'trotzdem' } });

    const sends = discord.requests.filter((request) => request.path.endsWith('/messages'));
    expect(sends.map((request) => request.status)).toEqual([500, 200]);
    expect(discord.channelMessages).toHaveLength(1);
  });

  it('after a dropped gateway connection discord.js resumes, and commands still arrive', async () => {
    const { discord, client } = await startBot();
    onInteraction(client, async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply({ content: `ok ${interaction.options.getInteger('n')}` });
    });

    discord.dropGatewayConnection();
    expect(discord.connected).toBe(false);
    // Sent while the bot is away: replayed on RESUME, as Discord does.
    const during = await discord.slashCommand({ name: 'radar', options: [{ name: 'n', type: 4, value: 1 }] });
    await discord.waitFor(() => discord.resumes === 1 && discord.connected);
    const after = await discord.slashCommand({ name: 'radar', options: [{ name: 'n', type: 4, value: 2 }] });

    expect((await discord.waitFor(() => discord.visibleReply(during.id))).content).toBe('ok 1');
    expect((await discord.waitFor(() => discord.visibleReply(after.id))).content).toBe('ok 2');
    expect(discord.identifies).toBe(1);
  });

  it('answers an unknown, vanished or forbidden channel with Discord error codes', async () => {
    const { discord, client } = await startBot();
    const send = (channelId: string) => client.rest.post(Routes.channelMessages(channelId), { body: { content: 'x' } });

    await expect(send('999999999999999999')).rejects.toMatchObject({ constructor: DiscordAPIError, code: 10003, status: 404 });
    await expect(client.channels.fetch('999999999999999999')).rejects.toBeInstanceOf(DiscordAPIError);
    discord.setChannelState(DEFAULT_IDS.channel, 'forbidden');
    await expect(send(DEFAULT_IDS.channel)).rejects.toMatchObject({ code: 50001, status: 403 });
    discord.setChannelState(DEFAULT_IDS.channel, 'gone');
    await expect(send(DEFAULT_IDS.channel)).rejects.toMatchObject({ code: 10003, status: 404 });
    discord.setChannelState(DEFAULT_IDS.channel, 'ok');
    await send(DEFAULT_IDS.channel);
    expect(discord.channelMessages).toHaveLength(1);
  });

  it('rejects messages Discord would reject: too long, empty', async () => {
    const { discord, client } = await startBot();
    const send = (body: unknown) => client.rest.post(Routes.channelMessages(DEFAULT_IDS.channel), { body });

    await expect(send({ content: 'x'.repeat(2001) })).rejects.toMatchObject({ code: 50035, status: 400 });
    await expect(send({ embeds: [{ description: 'y'.repeat(4097) }] })).rejects.toMatchObject({ code: 50035 });
    await expect(send({ content: '' })).rejects.toMatchObject({ code: 50006 });
    expect(discord.channelMessages).toEqual([]);
  });

  it('records command registrations and uses the registered id in later commands', async () => {
    const { discord, client } = await startBot();
    const seen: Interaction[] = [];
    onInteraction(client, async (interaction) => {
      seen.push(interaction);
    });

    const registered = await client.application?.commands.set([{ name: 'radar', description: 'Datenschutz-Meldungen' }]);
    await client.application?.commands.set([{ name: 'feeds', description: 'Feeds' }], DEFAULT_IDS.guild);
    await discord.slashCommand({ name: 'radar' });
    await discord.waitFor(() => seen[0]);

    expect(discord.commandRegistrations).toMatchObject([
      { scope: 'global', commands: [{ name: 'radar' }] },
      { scope: DEFAULT_IDS.guild, commands: [{ name: 'feeds' }] },
    ]);
    const command = seen[0];
    expect(command?.isChatInputCommand() && command.commandId).toBe(registered?.first()?.id);
  });

  it('accepts one callback per interaction, and none after the deadline', async () => {
    const { discord, client } = await startBot({ interactionDeadlineMs: 50 });
    const callback = (id: string, token: string) =>
      client.rest.post(Routes.interactionCallback(id, token), { body: { type: 4, data: { content: 'x' } }, auth: false });

    const first = await discord.slashCommand({ name: 'radar' });
    await callback(first.id, first.token);
    await expect(callback(first.id, first.token)).rejects.toMatchObject({ code: 40060 });

    const late = await discord.slashCommand({ name: 'radar' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(callback(late.id, late.token)).rejects.toMatchObject({ code: 10062 });
    expect(discord.callbacks.map((recorded) => recorded.interactionId)).toEqual([first.id]);
  });

  it('answers with_response=true with the interaction callback resource discord.js expects', async () => {
    const { discord, client } = await startBot();
    const responses: unknown[] = [];
    onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const response = await interaction.reply({ content: 'mit Antwort', withResponse: true });
      responses.push(response.resource?.message?.content);
    });

    const { id } = await discord.slashCommand({ name: 'radar' });
    await discord.waitFor(() => responses[0]);

    expect(responses).toEqual(['mit Antwort']);
    expect(discord.visibleReply(id)?.content).toBe('mit Antwort');
  });

  it('records requests to endpoints it does not know', async () => {
    const { discord, client } = await startBot();
    await expect(client.rest.get(Routes.guildBans(DEFAULT_IDS.guild))).rejects.toMatchObject({ status: 404, code: 0 });
    expect(discord.unknownRoutes.map((request) => request.path)).toEqual([`/api/v10/guilds/${DEFAULT_IDS.guild}/bans`]);
  });

  it('times out waitFor with the predicate in the message', async () => {
    discord = await startDiscordServer();
    await expect(discord.waitFor(() => false, 30)).rejects.toThrow(/timed out after 30 ms: \(\) => false/);
  });
});

describe('Discord stand-in rate limits (opt-in)', () => {
  const otherChannel = '100000000000000009';
  const guilds = [{ id: DEFAULT_IDS.guild, channels: [{ id: DEFAULT_IDS.channel }, { id: otherChannel }] }];
  /** A bot's raw message creation, without discord.js's own waiting, so the stand-in's answers show as they are. */
  const postRaw = (channelId: string) =>
    fetch(`${discord!.apiBase}/v10/channels/${channelId}/messages`, {
      method: 'POST',
      headers: { authorization: 'Bot test-token', 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Hallo' }),
    });

  it('puts the route bucket headers on every answer, one bucket per channel sharing one hash', async () => {
    discord = await startDiscordServer({ guilds, rateLimits: { routeLimit: 5, routeResetMs: 5000 } });
    const before = Date.now() / 1000;
    const first = await postRaw(DEFAULT_IDS.channel);
    const second = await postRaw(DEFAULT_IDS.channel);
    const elsewhere = await postRaw(otherChannel);

    expect([first.status, second.status, elsewhere.status]).toEqual([200, 200, 200]);
    expect(first.headers.get('x-ratelimit-limit')).toBe('5');
    expect([first, second, elsewhere].map((res) => res.headers.get('x-ratelimit-remaining'))).toEqual(['4', '3', '4']);
    expect(Number(first.headers.get('x-ratelimit-reset-after'))).toBeGreaterThan(4);
    expect(Number(first.headers.get('x-ratelimit-reset-after'))).toBeLessThanOrEqual(5);
    expect(Number(first.headers.get('x-ratelimit-reset'))).toBeGreaterThan(before + 4);
    expect(first.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
    expect(elsewhere.headers.get('x-ratelimit-bucket')).toBe(first.headers.get('x-ratelimit-bucket'));
    expect(discord.rateLimited).toEqual({ global: 0, route: 0 });
  });

  it('answers 429 with scope user once a channel\'s bucket is used up, and creates nothing', async () => {
    discord = await startDiscordServer({ guilds, rateLimits: { routeLimit: 2, routeResetMs: 60_000 } });
    await postRaw(DEFAULT_IDS.channel);
    await postRaw(DEFAULT_IDS.channel);
    const refused = await postRaw(DEFAULT_IDS.channel);

    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-scope')).toBe('user');
    expect(refused.headers.has('x-ratelimit-global')).toBe(false);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('retry-after'))).toBe(60);
    expect(await refused.json()).toMatchObject({ message: 'You are being rate limited.', global: false, retry_after: expect.any(Number) });
    expect((await postRaw(otherChannel)).status).toBe(200);
    expect(discord.channelMessages.map((sent) => sent.channelId)).toEqual([DEFAULT_IDS.channel, DEFAULT_IDS.channel, otherChannel]);
    expect(discord.rateLimited).toEqual({ global: 0, route: 1 });
  });

  it('answers 429 global once a second\'s requests are used up, in any bucket', async () => {
    discord = await startDiscordServer({ guilds, rateLimits: { globalPerSecond: 3 } });
    const statuses = [];
    for (const channelId of [DEFAULT_IDS.channel, otherChannel, DEFAULT_IDS.channel]) statuses.push((await postRaw(channelId)).status);
    const refused = await postRaw(otherChannel);

    expect(statuses).toEqual([200, 200, 200]);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-global')).toBe('true');
    expect(refused.headers.get('x-ratelimit-scope')).toBe('global');
    expect(Number(refused.headers.get('retry-after'))).toBe(1);
    const body = (await refused.json()) as { global: boolean; retry_after: number };
    expect(body.global).toBe(true);
    expect(body.retry_after).toBeGreaterThan(0);
    expect(body.retry_after).toBeLessThanOrEqual(1);
    expect(discord.channelMessages).toHaveLength(3);
    expect(discord.rateLimited).toEqual({ global: 1, route: 0 });
  });

  it('gives headers discord.js reads: after learning the bucket it waits for the reset instead of running into a 429', async () => {
    const { discord, client } = await startBot({ guilds, rateLimits: { routeLimit: 1, routeResetMs: 1000 } });
    for (const content of ['eins', 'zwei', 'drei']) await client.rest.post(Routes.channelMessages(DEFAULT_IDS.channel), { body: { content } });

    expect(discord.channelMessages.map((sent) => sent.message.content)).toEqual(['eins', 'zwei', 'drei']);
    // discord.js moves a route to a new queue when it first sees its X-RateLimit-Bucket hash; that queue does not
    // know the limit yet, so its first request runs into one 429 (as against Discord). After that it waits.
    expect(discord.rateLimited).toEqual({ global: 0, route: 1 });
  });

  it('is off unless asked for: no rate limit headers, no refusals', async () => {
    discord = await startDiscordServer({ guilds });
    const answers = await Promise.all(Array.from({ length: 8 }, () => postRaw(DEFAULT_IDS.channel)));
    expect(answers.map((res) => res.status)).toEqual(Array(8).fill(200));
    expect(answers[0]?.headers.has('x-ratelimit-limit')).toBe(false);
  });
});

describe('Discord stand-in with several bot processes on one token', () => {
  /** What one logged-in client saw on the gateway, read from discord.js's raw packets. */
  interface BotInstance {
    client: Client;
    sessionId: string;
    /** Every dispatch the client received: event name and sequence number. */
    dispatches: { t: string; s: number; d: unknown }[];
  }
  let instances: Client[] = [];

  afterEach(async () => {
    await Promise.all(instances.map((instance) => instance.destroy()));
    instances = [];
  });

  /** Logs in one more discord.js client (as a second bot process would) and resolves once it is ready. */
  async function loginInstance(standIn: DiscordStandIn): Promise<BotInstance> {
    const bot = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: standIn.apiBase } });
    instances.push(bot);
    const dispatches: BotInstance['dispatches'] = [];
    bot.on(Events.Raw, (packet: { t?: unknown; s?: unknown; d?: unknown }) => {
      if (typeof packet.t === 'string' && typeof packet.s === 'number') dispatches.push({ t: packet.t, s: packet.s, d: packet.d });
    });
    const ready = once(bot, Events.ClientReady);
    await bot.login('test-token');
    await ready;
    const readyPacket = dispatches.find((dispatch) => dispatch.t === 'READY')?.d as { session_id?: string } | undefined;
    if (!readyPacket?.session_id) throw new Error('no READY with a session id');
    return { client: bot, sessionId: readyPacket.session_id, dispatches };
  }

  const interactionIds = (instance: BotInstance) =>
    instance.dispatches.filter((dispatch) => dispatch.t === 'INTERACTION_CREATE').map((dispatch) => (dispatch.d as { id: string }).id);

  it('gives each IDENTIFY its own session; both receive a command, the first callback wins, the second gets 40060', async () => {
    discord = await startDiscordServer();
    const standIn = discord;
    const first = await loginInstance(standIn);
    const second = await loginInstance(standIn);
    const outcomes: string[] = [];
    for (const instance of [first, second]) {
      instance.client.on(Events.InteractionCreate, (interaction) => {
        if (!interaction.isChatInputCommand()) return;
        interaction.reply({ content: 'von einer Instanz' }).then(
          () => outcomes.push('accepted'),
          (error: unknown) => outcomes.push(error instanceof DiscordAPIError ? `refused ${String(error.code)}` : `failed ${String(error)}`),
        );
      });
    }

    const { id } = await standIn.slashCommand({ name: 'radar' });
    await standIn.waitFor(() => outcomes.length === 2);

    expect(first.sessionId).not.toBe(second.sessionId);
    expect(standIn.identifies).toBe(2);
    expect(standIn.liveSessions).toBe(2);
    expect(interactionIds(first)).toEqual([id]);
    expect(interactionIds(second)).toEqual([id]);
    expect(outcomes.sort()).toEqual(['accepted', 'refused 40060']);
    expect(standIn.callbacks).toHaveLength(1);
    expect(standIn.callbackAttempts.map(({ interactionId, status, code }) => ({ interactionId, status, code })).sort((a, b) => a.status - b.status)).toEqual([
      { interactionId: id, status: 204, code: undefined },
      { interactionId: id, status: 400, code: 40060 },
    ]);
    expect(standIn.visibleReply(id)?.content).toBe('von einer Instanz');
  });

  it('resumes a dropped session with what it missed, while the other session keeps receiving with its own sequence', async () => {
    discord = await startDiscordServer();
    const standIn = discord;
    const dropped = await loginInstance(standIn);
    const before = await standIn.slashCommand({ name: 'radar' });
    await standIn.waitFor(() => interactionIds(dropped).length === 1);
    const steady = await loginInstance(standIn);

    standIn.dropGatewayConnection(dropped.sessionId);
    expect(standIn.liveSessions).toBe(1);
    expect(standIn.connected).toBe(true);
    // Logged for the dropped session synchronously, so it is missed for sure and must come back by replay.
    const during = await standIn.slashCommand({ name: 'radar' });
    await standIn.waitFor(() => interactionIds(steady).includes(during.id));
    await standIn.waitFor(() => interactionIds(dropped).includes(during.id));

    expect(interactionIds(dropped)).toEqual([before.id, during.id]);
    expect(interactionIds(steady)).toEqual([during.id]);
    const sequence = (instance: BotInstance) => instance.dispatches.filter((dispatch) => dispatch.t === 'INTERACTION_CREATE').map((dispatch) => dispatch.s);
    // READY and GUILD_CREATE are 1 and 2 in each session; the dropped one had one more event before the other joined.
    expect(sequence(dropped)).toEqual([3, 4]);
    expect(sequence(steady)).toEqual([3]);
    const events = dropped.dispatches.map((dispatch) => dispatch.t);
    expect(events.filter((t) => t === 'RESUMED')).toHaveLength(1);
    expect(events.lastIndexOf('INTERACTION_CREATE')).toBeLessThan(events.indexOf('RESUMED'));
    expect(steady.dispatches.some((dispatch) => dispatch.t === 'RESUMED')).toBe(false);
    expect(dropped.dispatches.filter((dispatch) => dispatch.t === 'READY')).toHaveLength(1);
    expect(standIn.resumes).toBe(1);
    expect(standIn.identifies).toBe(2);
    await standIn.waitFor(() => standIn.liveSessions === 2);
    expect(() => standIn.dropGatewayConnection('no-such-session')).toThrow(/unknown gateway session/);
  });

  it('drops every live session when no session id is given', async () => {
    discord = await startDiscordServer();
    const standIn = discord;
    await loginInstance(standIn);
    await loginInstance(standIn);

    standIn.dropGatewayConnection();

    expect(standIn.liveSessions).toBe(0);
    expect(standIn.connected).toBe(false);
    await standIn.waitFor(() => standIn.resumes === 2 && standIn.liveSessions === 2);
    expect(standIn.identifies).toBe(2);
  });
});

describe('Discord stand-in hook on created channel messages', () => {
  it('runs after the message is recorded and before the bot has the answer, and not for a nonce repeat', async () => {
    const { discord, client } = await startBot();
    const seen: { recorded: number; requestStatus: number | undefined; answered: boolean; messageId: string }[] = [];
    let answered = false;
    discord.afterChannelMessage((sent) => {
      seen.push({ recorded: discord.channelMessages.length, requestStatus: discord.requests.at(-1)?.status, answered, messageId: sent.message.id });
    });
    const body = { content: 'Neue Meldung', nonce: 'hook-1', enforce_nonce: true };

    const answer = (await client.rest.post(Routes.channelMessages(DEFAULT_IDS.channel), { body })) as { id: string };
    answered = true;
    const repeat = (await client.rest.post(Routes.channelMessages(DEFAULT_IDS.channel), { body })) as { id: string };

    expect(seen).toEqual([{ recorded: 1, requestStatus: 0, answered: false, messageId: answer.id }]);
    expect(repeat.id).toBe(answer.id);
    expect(discord.nonceRepeats).toBe(1);
  });

  it('ignores what the hook throws, and runs no hook once it is removed', async () => {
    const { discord, client } = await startBot();
    let calls = 0;
    discord.afterChannelMessage(() => {
      calls += 1;
      throw new Error('the test killed a process that was already gone');
    });
    await client.rest.post(Routes.channelMessages(DEFAULT_IDS.channel), { body: { content: 'eins' } });
    discord.afterChannelMessage(undefined);
    await client.rest.post(Routes.channelMessages(DEFAULT_IDS.channel), { body: { content: 'zwei' } });

    expect(calls).toBe(1);
    expect(discord.channelMessages.map((sent) => sent.message.content)).toEqual(['eins', 'zwei']);
    expect(discord.requests.filter((request) => request.path.endsWith('/messages')).map((request) => request.status)).toEqual([200, 200]);
  });
});
