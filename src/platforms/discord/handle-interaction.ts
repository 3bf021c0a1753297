import {
  MessageFlags,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type Interaction,
  type InteractionReplyOptions,
} from 'discord.js';
import type { ClaimEvent } from '../../chat/claim-event.ts';
import type { Invocation, Reply } from '../../chat/command.ts';
import { decodeInvocation } from '../../chat/invocation-codec.ts';
import type { CommandRequest, CommandRunner } from '../../chat/run-command.ts';
import { t } from '../../chat/translate.ts';
import type { Logger } from '../../log.ts';
import type { Language } from '../../model/feed.ts';
import { MANAGER_PERMISSION, MANAGER_REQUIREMENT } from './command-payloads.ts';
import { replyMessage, type DiscordMessage } from './reply-message.ts';

/**
 * Discord gives an interaction 3 seconds for its first answer. Work still running after this long is
 * acknowledged with a deferral (the user sees "thinking…") and the answer follows as an edit.
 */
const DEFER_AFTER_MS = 2000;

/**
 * Translates Discord interactions into neutral command requests and the runner's replies back into messages:
 * slash commands, autocompletion, and the buttons under replies (pages, "did you mean"). Never throws: a failed
 * answer (the interaction expired, the network dropped) is logged. With `claim`, only the instance that claims
 * an interaction answers it.
 */
export function createInteractionHandler(runner: CommandRunner, log: Logger, claim?: ClaimEvent): (interaction: Interaction) => Promise<void> {
  return async (interaction) => {
    try {
      // Another instance on the same store answers it (every instance's gateway session gets every interaction).
      if (claim && !(await claim('discord', interaction.id))) return;
      if (interaction.isChatInputCommand()) await answerCommand(interaction, runner);
      else if (interaction.isAutocomplete()) await answerAutocomplete(interaction, runner);
      else if (interaction.isButton()) await answerButton(interaction, runner);
    } catch (error) {
      log.warn({ err: error, interaction: interaction.id }, 'could not answer a Discord interaction');
    }
  };
}

/** The neutral view of where and by whom an interaction was made. */
function requestFrom(interaction: Interaction, invocation: Invocation): CommandRequest {
  const guildId = interaction.guildId ?? undefined;
  return {
    invocation,
    channel: { platform: 'discord', id: interaction.channelId ?? '', ...(guildId ? { guildId } : {}), isDirect: guildId === undefined },
    isManager: interaction.memberPermissions?.has(MANAGER_PERMISSION) ?? false,
    fallbackLanguage: languageOf(interaction.guildLocale ?? interaction.locale),
    prefix: '/',
    managerRequirement: MANAGER_REQUIREMENT,
  };
}

/** Discord locales (`de`, `en-US`, …) → the bot's languages; German servers get German, everyone else English. */
export function languageOf(locale: string | null | undefined): Language {
  return locale?.toLowerCase().startsWith('de') ? 'de' : 'en';
}

function invocationOf(interaction: ChatInputCommandInteraction | AutocompleteInteraction): Invocation {
  const subcommand = interaction.options.getSubcommand(false) ?? undefined;
  const options: Record<string, string | number> = {};
  const collect = (list: readonly CommandInteractionOption[]): void => {
    for (const option of list) {
      if (option.options) collect(option.options);
      else if (typeof option.value === 'string' || typeof option.value === 'number') options[option.name] = option.value;
    }
  };
  collect(interaction.options.data);
  return { command: interaction.commandName, ...(subcommand ? { subcommand } : {}), options };
}

async function answerCommand(interaction: ChatInputCommandInteraction, runner: CommandRunner): Promise<void> {
  const request = requestFrom(interaction, invocationOf(interaction));
  const work = runner.run(request);
  const early = await Promise.race([work, delay(DEFER_AFTER_MS)]);
  if (early !== undefined) {
    await interaction.reply(asOptions(replyMessage(early, language(early, request))));
    return;
  }
  await interaction.deferReply();
  const reply = await work;
  const message = asOptions(replyMessage(reply, language(reply, request)));
  if (reply.private) {
    // A deferral's visibility is fixed: a private answer replaces the public "thinking…" with an ephemeral follow-up.
    await interaction.deleteReply();
    await interaction.followUp(message);
  } else {
    await interaction.editReply({ ...message, flags: undefined });
  }
}

async function answerAutocomplete(interaction: AutocompleteInteraction, runner: CommandRunner): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const choices = await runner.autocomplete({
    ...requestFrom(interaction, invocationOf(interaction)),
    focused: focused.name,
    typed: String(focused.value),
  });
  await interaction.respond(choices.map((choice) => ({ name: choice.label || choice.value, value: choice.value })));
}

/** A button re-runs the invocation it carries and shows the answer in place of the message it sits on. */
async function answerButton(interaction: ButtonInteraction, runner: CommandRunner): Promise<void> {
  const invocation = decodeInvocation(interaction.customId);
  if (!invocation) {
    const fallback = languageOf(interaction.guildLocale ?? interaction.locale);
    await interaction.reply({ content: t(fallback, 'error.staleButton'), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    return;
  }
  const request = requestFrom(interaction, invocation);
  const work = runner.run(request);
  const early = await Promise.race([work, delay(DEFER_AFTER_MS)]);
  const onEphemeral = interaction.message.flags.has(MessageFlags.Ephemeral);
  if (early === undefined) await interaction.deferUpdate();
  const reply = early ?? (await work);
  const message = asOptions(replyMessage(reply, language(reply, request)));
  if (reply.private && !onEphemeral) {
    // A refusal goes to the presser alone; the public message stays as it is.
    await (early === undefined ? interaction.followUp(message) : interaction.reply(message));
    return;
  }
  const update = { content: message.content, embeds: message.embeds, components: message.components, allowedMentions: { parse: [] } };
  await (early === undefined ? interaction.editReply(update) : interaction.update(update));
}

/** The language the reply's own words are in: the runner resolved it from the channel's settings. */
function language(reply: Reply, request: CommandRequest): Language {
  return reply.language ?? request.fallbackLanguage;
}

function asOptions(message: DiscordMessage): InteractionReplyOptions & { content: string } {
  return {
    content: message.content,
    embeds: message.embeds,
    components: message.components,
    allowedMentions: { parse: [] },
    ...(message.flags !== undefined ? { flags: message.flags as MessageFlags.Ephemeral } : {}),
  };
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(resolve, ms, undefined).unref());
}
