import { createHash } from 'node:crypto';
import { Routes, type REST, type RESTPutAPIApplicationCommandsJSONBody } from 'discord.js';
import type { Collection } from '../../store/collection.ts';

export interface CommandRegistration {
  rest: REST;
  applicationId: string;
  /** Registers in this guild only (instant, for development); otherwise globally. */
  guildId?: string;
  payloads: RESTPutAPIApplicationCommandsJSONBody;
  /** Where the hash of the last registered definitions is kept. */
  state: Collection<string>;
}

/**
 * Registers the slash commands with one bulk overwrite, but only when their definitions changed since the last
 * registration (a hash kept in the store): restarts do not touch Discord's command list, and a changed command
 * reaches users at the next start. Returns whether a registration was sent.
 */
export async function registerCommands(registration: CommandRegistration): Promise<boolean> {
  const { rest, applicationId, guildId, payloads, state } = registration;
  const scope = guildId === undefined ? 'global' : `guild-${guildId}`;
  const key = `discord-commands.${applicationId}.${scope}`;
  const hash = createHash('sha256').update(JSON.stringify(payloads)).digest('hex');
  if ((await state.get(key)) === hash) return false;
  const route = guildId === undefined ? Routes.applicationCommands(applicationId) : Routes.applicationGuildCommands(applicationId, guildId);
  await rest.put(route, { body: payloads });
  await state.set(key, hash);
  return true;
}
