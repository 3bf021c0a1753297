import { createHash } from 'node:crypto';
import { Client, Events, GatewayIntentBits, Status, type ChannelType, type Channel } from 'discord.js';
import type { ChannelMessage } from '../../chat/command.ts';
import type { CommandRunner } from '../../chat/run-command.ts';
import type { Logger } from '../../log.ts';
import { claimEvents } from '../../chat/claim-event.ts';
import { reconcileServers, recordServerPresent, recordServerRemoved } from '../../maintenance/track-server-membership.ts';
import type { Store } from '../../store/open-store.ts';
import { commandPayloads } from './command-payloads.ts';
import { createInteractionHandler } from './handle-interaction.ts';
import { postMessage } from './post-message.ts';
import { registerCommands } from './register-commands.ts';
import { channelMessage } from './reply-message.ts';

export interface DiscordSettings {
  /** A secret: never logged. */
  token: string;
  /** REST base such as https://discord.com/api (the gateway URL is asked from it). */
  apiBase: string;
  /** Register the commands in this guild only (development); otherwise globally. */
  guildId?: string;
}

export interface DiscordBot {
  /** Connects, waits until ready, and registers the commands if their definitions changed. */
  start(): Promise<void>;
  /** Posts a message the bot sends on its own (a digest) to a channel; ChannelUnavailableError marks the channel inactive. */
  post(channelId: string, message: ChannelMessage, deliveryId?: string): Promise<void>;
  /** The gateway session is up (false while discord.js reconnects). */
  connected(): boolean;
  stop(): Promise<void>;
}

/** How long the first connection may take before start-up fails with a clear message. */
const READY_TIMEOUT_MS = 60_000;

/**
 * The Discord adapter: the real discord.js client with only the Guilds intent (no privileged intents), mentions
 * disabled on everything it sends, slash commands from the neutral definitions, and the store's channel records
 * kept honest (a deleted channel's settings are deleted; a channel that refuses the bot is marked inactive).
 */
export function createDiscordBot(settings: DiscordSettings, runner: CommandRunner, store: Store, log: Logger): DiscordBot {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: settings.apiBase },
    allowedMentions: { parse: [] },
  });
  const discordLog = log.child({ platform: 'discord' });
  client.on(Events.InteractionCreate, createInteractionHandler(runner, discordLog, claimEvents(store.leases, store.instanceId, discordLog)));
  client.on(Events.Error, (error) => discordLog.error({ err: error }, 'Discord client error'));
  client.on(Events.ShardDisconnect, (event) => discordLog.warn({ code: event.code }, 'Discord gateway disconnected'));
  client.on(Events.ShardResume, () => discordLog.info('Discord gateway connection resumed'));
  client.on(Events.ChannelDelete, (channel: Channel) => {
    store.channels
      .delete({ platform: 'discord', id: channel.id })
      .then((deleted) => deleted && discordLog.info({ channel: channel.id, type: channel.type as ChannelType }, 'channel deleted: its settings were removed'))
      .catch((error: unknown) => discordLog.error({ err: error, channel: channel.id }, 'could not remove a deleted channel'));
  });
  // Removed from a server (an outage is GuildUnavailable, not this): its settings go after the grace period.
  client.on(Events.GuildDelete, (guild) => {
    recordServerRemoved(store, `discord:${guild.id}`, new Date(), discordLog).catch((error: unknown) =>
      discordLog.error({ err: error, guild: guild.id }, 'could not record the removal from a server'),
    );
  });
  client.on(Events.GuildCreate, (guild) => {
    recordServerPresent(store, `discord:${guild.id}`, discordLog).catch((error: unknown) =>
      discordLog.error({ err: error, guild: guild.id }, 'could not record the return to a server'),
    );
  });

  return {
    async start() {
      const ready = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Discord did not become ready within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
        client.once(Events.ClientReady, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      try {
        await client.login(settings.token);
      } catch (error) {
        // discord.js names a rejected token "TokenInvalid"; the token itself is never part of the message.
        throw new Error(`Could not log in to Discord at ${settings.apiBase}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      await ready;
      // Servers that removed the bot (or took it back) while it was offline.
      await reconcileServers(store, 'discord', new Set(client.guilds.cache.map((guild) => `discord:${guild.id}`)), new Date(), discordLog).catch(
        (error: unknown) => discordLog.error({ err: error }, 'could not compare the servers with the stored ones'),
      );
      const applicationId = client.application?.id ?? client.user?.id;
      if (!applicationId) throw new Error('Discord did not say which application the bot is');
      const changed = await registerCommands({
        rest: client.rest,
        applicationId,
        ...(settings.guildId ? { guildId: settings.guildId } : {}),
        payloads: commandPayloads(runner.commands),
        state: store.collection<string>('platform-state'),
      });
      discordLog.info(
        { user: client.user?.tag, guilds: client.guilds.cache.size, commands: changed ? 'registered' : 'unchanged', scope: settings.guildId ? 'guild' : 'global' },
        `Discord ready as ${client.user?.tag ?? '?'} in ${client.guilds.cache.size} servers; commands ${changed ? 'registered' : 'unchanged'}`,
      );
    },

    async post(channelId, message, deliveryId) {
      // Discord drops a second message with the same nonce (25 characters at most) for a while: a resend after a crash.
      // A refusal (ChannelUnavailableError) is counted by the core, which deactivates a channel that keeps refusing.
      const nonce = deliveryId === undefined ? undefined : createHash('sha256').update(deliveryId).digest('hex').slice(0, 25);
      await postMessage(client.rest, channelId, channelMessage(message), nonce);
    },

    // client.ws.status stays Ready after the first login; each shard's own status follows its connection.
    connected: () => client.ws.shards.size > 0 && client.ws.shards.every((shard) => shard.status === Status.Ready),

    async stop() {
      await client.destroy();
    },
  };
}
