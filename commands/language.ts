import type { CommandDefinition } from '../src/chat/command.ts';
import { t } from '../src/chat/translate.ts';
import type { Language } from '../src/model/feed.ts';

/** `/language de|en` (managers): the language of the bot's own words in this channel. */
export const language: CommandDefinition = {
  name: 'language',
  description: { en: "The language of the bot's answers in this channel", de: 'Die Sprache der Antworten des Bots in diesem Kanal' },
  access: 'managers',
  scope: 'channels',
  usage: ['language de|en'],
  options: [
    {
      name: 'language',
      kind: 'string',
      required: true,
      description: { en: 'Deutsch or English', de: 'Deutsch oder English' },
      choices: [
        { value: 'de', label: { en: 'Deutsch', de: 'Deutsch' } },
        { value: 'en', label: { en: 'English', de: 'English' } },
      ],
    },
  ],

  async handle({ options, context, services }) {
    const chosen = options.language as Language;
    await services.store.channels.update(context.channel, (settings) => {
      settings.language = chosen;
    });
    return { lines: [t(chosen, 'language.set')], language: chosen };
  },
};
