import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  PermissionFlagsBits,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  type RESTPutAPIApplicationCommandsJSONBody,
} from 'discord.js';
import type { CommandDefinition, Localised, OptionDefinition } from '../../chat/command.ts';

/** What managers need on Discord: the permission the manager commands ask for by default, and check again. */
export const MANAGER_PERMISSION = PermissionFlagsBits.ManageChannels;
export const MANAGER_REQUIREMENT: Localised = { en: 'the Manage Channels permission', de: 'die Berechtigung „Kanäle verwalten“' };

/** Discord's cap on command and option descriptions. */
const MAX_DESCRIPTION = 100;

/**
 * The neutral command definitions as Discord application commands: English descriptions with German
 * localisations, typed options (with choices or autocomplete), subcommands, Manage Channels as the default
 * member permission of manager commands, and the contexts a command may run in (channel-settings commands
 * are not offered in DMs).
 */
export function commandPayloads(commands: readonly CommandDefinition[]): RESTPutAPIApplicationCommandsJSONBody {
  return commands.map((command) => ({
    type: ApplicationCommandType.ChatInput,
    name: command.name,
    ...describe(command.description),
    default_member_permissions: command.access === 'managers' ? MANAGER_PERMISSION.toString() : null,
    integration_types: [ApplicationIntegrationType.GuildInstall],
    contexts:
      command.scope === 'channels' ? [InteractionContextType.Guild] : [InteractionContextType.Guild, InteractionContextType.BotDM],
    options:
      command.subcommands === undefined
        ? command.options.map(option)
        : command.subcommands.map(
            (sub): APIApplicationCommandSubcommandOption => ({
              type: ApplicationCommandOptionType.Subcommand,
              name: sub.name,
              ...describe(sub.description),
              options: sub.options.map(option),
            }),
          ),
  }));
}

function describe(text: Localised): { description: string; description_localizations: { de: string } } {
  return { description: text.en.slice(0, MAX_DESCRIPTION), description_localizations: { de: text.de.slice(0, MAX_DESCRIPTION) } };
}

function option(definition: OptionDefinition): APIApplicationCommandBasicOption {
  const common = { name: definition.name, ...describe(definition.description), required: definition.required === true };
  if (definition.kind === 'integer') {
    return {
      ...common,
      type: ApplicationCommandOptionType.Integer,
      ...(definition.min !== undefined ? { min_value: definition.min } : {}),
      ...(definition.max !== undefined ? { max_value: definition.max } : {}),
    };
  }
  if (definition.choices) {
    return {
      ...common,
      type: ApplicationCommandOptionType.String,
      choices: definition.choices.map((c) => ({ name: c.label.en, name_localizations: { de: c.label.de }, value: c.value })),
    };
  }
  return {
    ...common,
    type: ApplicationCommandOptionType.String,
    ...(definition.maxLength !== undefined ? { max_length: definition.maxLength } : {}),
    autocomplete: definition.autocomplete !== undefined,
  };
}
