import type { CliIo } from '../cli.ts';
import { UsageError } from '../cli.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { forgetServer } from '../maintenance/forget-server.ts';
import { channelKey } from '../model/channel.ts';
import { openStore } from '../store/open-store.ts';
import { terminalSafe } from '../terminal-safe.ts';

const GUILD_ID = /^\d{15,22}$/;
/** `!opaque:server.name[:port]`, as Matrix room ids are written. */
const ROOM_ID = /^![^\s:]{1,255}:[A-Za-z0-9.-]+(?::\d{1,5})?$/;

/** The server `forget --guild <id>` / `--room <id>` names (see serverKey), or a UsageError. */
export function serverToForget(options: { guild?: string; room?: string }): string {
  const { guild, room } = options;
  if ((guild === undefined) === (room === undefined)) throw new UsageError('forget needs either --guild <Discord server id> or --room <Matrix room id>');
  if (guild !== undefined) {
    if (!GUILD_ID.test(guild)) throw new UsageError('--guild must be a Discord server id (a number of 15 to 22 digits)');
    return `discord:${guild}`;
  }
  if (!ROOM_ID.test(room!)) throw new UsageError('--room must be a Matrix room id such as !abc123:example.org');
  return `matrix:${room}`;
}

/**
 * `forget --guild <id>` / `forget --room <id>`: deletes at once everything kept about a Discord server or a Matrix
 * room — every channel's settings with their index entries, the feeds it added, its removal record — and says what
 * went. For operators asked to delete a server's data without waiting for the grace period.
 */
export async function forgetCommand(server: string, config: Config, log: Logger, io: CliIo): Promise<number> {
  const store = await openStore(config.storeUrl, { onError: (error) => log.error({ err: error }, 'store error') });
  try {
    const forgotten = await forgetServer(store, server);
    const name = terminalSafe(server.startsWith('discord:') ? `Discord server ${server.slice('discord:'.length)}` : `Matrix room ${server.slice('matrix:'.length)}`);
    if (forgotten.channels.length === 0 && forgotten.feeds === 0) {
      io.stdout.write(`Nothing was stored about ${name}; nothing deleted.\n`);
      return 0;
    }
    const channels = forgotten.channels.map((ref) => terminalSafe(channelKey(ref))).join(', ');
    io.stdout.write(
      `Deleted everything stored about ${name}: the settings of ${plural(forgotten.channels.length, 'channel')}` +
        `${channels === '' ? '' : ` (${channels})`} and ${plural(forgotten.feeds, 'added feed')}.\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
