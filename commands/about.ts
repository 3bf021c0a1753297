import type { CommandDefinition } from '../src/chat/command.ts';
import { t } from '../src/chat/translate.ts';

/** `/about`: the bot, its sources, what it stores about a server and how to delete it. */
export const about: CommandDefinition = {
  name: 'about',
  description: { en: 'About privacy-radar: sources and what it stores', de: 'Über privacy-radar: Quellen und was es speichert' },
  access: 'everyone',
  scope: 'anywhere',
  usage: ['about'],
  options: [],

  async handle({ context, services }) {
    const { language, prefix } = context;
    const outlets = services.feeds.map((feed) => feed.name).join(', ');
    return {
      title: t(language, 'about.title', { version: services.version }),
      lines: [
        t(language, 'about.what', { count: services.feeds.length, outlets }),
        t(language, 'about.stores'),
        t(language, 'about.delete', { prefix }),
        t(language, 'about.source', { homepage: services.homepage }),
      ],
    };
  },
};
