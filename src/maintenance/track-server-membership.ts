import type { Logger } from '../log.ts';
import type { Platform } from '../model/channel.ts';
import type { Store } from '../store/open-store.ts';

/**
 * The platform adapters report here when the bot leaves or rejoins a server (a Discord guild, a Matrix room): a removal
 * starts the grace period after which the server's settings are deleted (see forget-server.ts); a return ends it.
 * Platform-neutral: servers are named by serverKey (`discord:<guild id>`, `matrix:<room id>`).
 */

type MembershipStore = Pick<Store, 'channels' | 'userFeeds'>;

/**
 * The bot was removed from a server (kicked, banned, the server deleted, or it left). Recorded only when something is
 * kept about the server: a server the bot knows nothing of leaves no trace.
 */
export async function recordServerRemoved(store: MembershipStore, server: string, at: Date, log: Logger): Promise<void> {
  if (!(await isServerKnown(store, server))) return;
  await store.channels.markRemoved(server, at.toISOString());
  log.info({ server }, 'removed from a server: its settings are deleted after the grace period unless the bot is back by then');
}

/** The bot is on a server (joined, or added back): nothing of it is forgotten. */
export async function recordServerPresent(store: MembershipStore, server: string, log: Logger): Promise<void> {
  if (await store.channels.clearRemoved(server)) log.info({ server }, 'back on a server: its settings are kept');
}

/**
 * At start-up, with the servers the platform says the bot is on: a known server missing from that list removed the
 * bot while it was offline; a listed one marked removed took it back meanwhile.
 */
export async function reconcileServers(store: MembershipStore, platform: Platform, present: ReadonlySet<string>, at: Date, log: Logger): Promise<void> {
  const known = (await store.channels.servers()).filter((server) => server.startsWith(`${platform}:`));
  const removed = new Set((await store.channels.removedServers()).map((removal) => removal.server));
  for (const server of known) {
    if (!present.has(server) && !removed.has(server)) await recordServerRemoved(store, server, at, log);
  }
  for (const server of removed) {
    if (present.has(server)) await recordServerPresent(store, server, log);
  }
}

/** Whether anything is kept about a server: channel settings, or feeds it added. */
async function isServerKnown(store: MembershipStore, server: string): Promise<boolean> {
  if ((await store.channels.channelsOf(server)).length > 0) return true;
  // A Matrix room is its own server; its settings may predate the server lists.
  if (server.startsWith('matrix:') && (await store.channels.get({ platform: 'matrix', id: server.slice('matrix:'.length) }))) return true;
  return (await store.userFeeds.ofServer(server)).length > 0;
}
