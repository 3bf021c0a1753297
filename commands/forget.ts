import type { CommandDefinition } from '../src/chat/command.ts';
import { t } from '../src/chat/translate.ts';

/** `/forget` (managers): deletes everything the bot keeps about this channel. */
export const forget: CommandDefinition = {
  name: 'forget',
  description: {
    en: 'Delete everything the bot stores about this channel',
    de: 'Alles löschen, was der Bot über diesen Kanal speichert',
  },
  access: 'managers',
  scope: 'channels',
  usage: ['forget'],
  options: [],

  async handle({ context, services }) {
    const deleted = await services.store.channels.delete(context.channel);
    return { lines: [t(context.language, deleted ? 'forget.done' : 'forget.nothing')] };
  },
};
