import type { Logger } from '../log.ts';
import type { Language } from '../model/feed.ts';
import {
  EXTRA_WORDS,
  type AutocompleteChoice,
  type ChatServices,
  type CommandAction,
  type CommandContext,
  type CommandDefinition,
  type Invocation,
  type Localised,
  type OptionDefinition,
  type OptionValues,
  type Reply,
  type Subcommand,
} from './command.ts';
import { t } from './translate.ts';

/** What an adapter knows about a command it received, in neutral terms. */
export interface CommandRequest {
  invocation: Invocation;
  channel: CommandContext['channel'];
  isManager: boolean;
  /** The language when the channel chose none: the server's locale on Discord, the user's in a DM. */
  fallbackLanguage: Language;
  prefix: string;
  managerRequirement: Localised;
}

export interface AutocompleteRequest extends CommandRequest {
  /** The option being typed, and what has been typed so far. */
  focused: string;
  typed: string;
}

export interface CommandRunner {
  readonly commands: readonly CommandDefinition[];
  /** Runs a command and always answers: a refusal, a usage hint, a result, or a short apology on failure. */
  run(request: CommandRequest): Promise<Reply>;
  /** Suggestions for the focused option; empty on anything unexpected. */
  autocomplete(request: AutocompleteRequest): Promise<AutocompleteChoice[]>;
}

const MAX_AUTOCOMPLETE = 25;
const MAX_CHOICE_CHARS = 100;
/** Default bound on free-text options: enough for any company or zone name, small enough to quote back. */
const DEFAULT_MAX_LENGTH = 100;

/**
 * The platform-neutral command pipeline: find the command, check where and by whom it may be used, validate
 * its options against the definition, then hand it to the command's handler. Nothing a user sends can make it
 * throw: mistakes get a short private answer in the channel's language, failures are logged and apologised for.
 */
export function createCommandRunner(commands: readonly CommandDefinition[], services: ChatServices, log: Logger): CommandRunner {
  const byName = new Map(commands.map((command) => [command.name, command]));

  const contextFor = async (request: CommandRequest): Promise<CommandContext> => {
    const settings = request.channel.isDirect ? undefined : await services.store.channels.get(request.channel);
    return {
      channel: request.channel,
      isManager: request.isManager,
      language: settings?.language ?? request.fallbackLanguage,
      ...(settings ? { settings } : {}),
      prefix: request.prefix,
      managerRequirement: request.managerRequirement,
    };
  };

  /** The answer to a request; rejects only when a handler (or the store) fails. */
  const answer = async (request: CommandRequest, context: CommandContext): Promise<Reply> => {
    const { language, prefix } = context;
    const refusal = (text: string): Reply => ({ lines: [text], private: true });
    const command = byName.get(request.invocation.command);
    if (!command) return refusal(t(language, 'error.unknownCommand', { name: request.invocation.command.slice(0, 32), prefix }));
    const action = resolveAction(command, request.invocation.subcommand);
    if (!action) {
      const choices = (command.subcommands ?? []).map((s) => s.name).join(', ');
      return refusal(t(language, 'error.unknownSubcommand', { prefix, command: command.name, choices }));
    }
    // A subcommand may ask for more than its command (`/feeds add`); it is named in the refusal then.
    const sub = command.subcommands ? (action as Subcommand) : undefined;
    const named = sub ? `${command.name} ${sub.name}` : command.name;
    if ((command.scope === 'channels' || sub?.scope === 'channels') && context.channel.isDirect) {
      return refusal(t(language, 'error.needsChannel', { prefix, command: named }));
    }
    if ((command.access === 'managers' || sub?.access === 'managers') && !context.isManager) {
      return refusal(t(language, 'error.needsManager', { prefix, command: named, requirement: context.managerRequirement[language] }));
    }
    const usage = command.usage.map((line) => `${prefix}${line}`).join(' · ');
    const checked = validateOptions(action, request.invocation.options, { language, prefix, command: command.name, usage });
    if (typeof checked === 'string') return refusal(checked);
    return action.handle({ options: checked, context, services, commands });
  };

  /** Channels with settings remember their server's locale: alerts and digests speak it when no language was chosen. */
  const rememberServerLanguage = async (request: CommandRequest): Promise<void> => {
    if (request.channel.isDirect) return;
    const settings = await services.store.channels.get(request.channel);
    if (settings && settings.serverLanguage !== request.fallbackLanguage) {
      await services.store.channels.update(request.channel, (channel) => {
        channel.serverLanguage = request.fallbackLanguage;
      });
    }
  };

  return {
    commands,

    async run(request) {
      let language = request.fallbackLanguage;
      try {
        const context = await contextFor(request);
        language = context.language;
        const reply = await answer(request, context);
        await rememberServerLanguage(request);
        return { ...reply, language: reply.language ?? language };
      } catch (error) {
        log.error({ err: error, command: request.invocation.command, channel: request.channel.id }, 'command failed');
        return { lines: [t(language, 'error.internal')], private: true, language };
      }
    },

    async autocomplete(request) {
      try {
        const command = byName.get(request.invocation.command);
        const action = command ? resolveAction(command, request.invocation.subcommand) : undefined;
        const option = action?.options.find((o) => o.name === request.focused);
        if (!option || option.kind !== 'string' || !option.autocomplete) return [];
        const context = await contextFor(request);
        const choices = await option.autocomplete(request.typed.slice(0, DEFAULT_MAX_LENGTH), context, services);
        return choices
          .slice(0, MAX_AUTOCOMPLETE)
          .map((c) => ({ label: c.label.slice(0, MAX_CHOICE_CHARS), value: c.value.slice(0, MAX_CHOICE_CHARS) }));
      } catch (error) {
        log.warn({ err: error, command: request.invocation.command }, 'autocomplete failed');
        return [];
      }
    },
  };
}

function resolveAction(command: CommandDefinition, subcommand: string | undefined): CommandAction | undefined {
  if (command.subcommands === undefined) return subcommand === undefined ? command : undefined;
  const name = subcommand ?? command.defaultSubcommand;
  return command.subcommands.find((s) => s.name === name);
}

interface ValidationFrame {
  language: Language;
  prefix: string;
  command: string;
  usage: string;
}

/** The options as the definition types them, or the sentence that explains what is wrong. */
function validateOptions(
  action: CommandAction,
  given: Record<string, string | number>,
  frame: ValidationFrame,
): OptionValues | string {
  const { language } = frame;
  if (Object.hasOwn(given, EXTRA_WORDS)) {
    return t(language, 'error.unexpectedWords', { ...frame, words: String(given[EXTRA_WORDS]).slice(0, 60) });
  }
  const unknown = Object.keys(given).find((name) => !action.options.some((o) => o.name === name));
  if (unknown !== undefined) return t(language, 'error.unknownOption', { ...frame, option: unknown.slice(0, 32) });
  const values: OptionValues = {};
  for (const option of action.options) {
    const raw = Object.hasOwn(given, option.name) ? given[option.name] : undefined;
    const text = raw === undefined ? '' : String(raw).trim();
    if (text === '') {
      if (option.required) return t(language, 'error.missingOption', { ...frame, option: option.name });
      continue;
    }
    const value = validateOption(option, text, language);
    if (value.error !== undefined) return value.error;
    values[option.name] = value.value;
  }
  return values;
}

function validateOption(option: OptionDefinition, text: string, language: Language): { value?: string | number; error?: string } {
  if (option.kind === 'integer') {
    const min = option.min ?? Number.MIN_SAFE_INTEGER;
    const max = option.max ?? Number.MAX_SAFE_INTEGER;
    const number = /^-?\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      return { error: t(language, 'error.badInteger', { option: option.name, min, max }) };
    }
    return { value: number };
  }
  const maxLength = option.maxLength ?? DEFAULT_MAX_LENGTH;
  if (text.length > maxLength) return { error: t(language, 'error.tooLong', { option: option.name, max: maxLength }) };
  if (option.choices) {
    const choice = option.choices.find((c) => c.value === text.toLowerCase() || c.label[language].toLowerCase() === text.toLowerCase());
    if (!choice) {
      return {
        error: t(language, 'error.badChoice', {
          value: text.slice(0, 40),
          option: option.name,
          choices: option.choices.map((c) => c.value).join(', '),
        }),
      };
    }
    return { value: choice.value };
  }
  return { value: text };
}
