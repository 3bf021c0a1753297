import type { CommandDefinition } from '../src/chat/command.ts';
import { t } from '../src/chat/translate.ts';
import { DEFAULT_RETENTION } from '../src/config.ts';
import type { Language } from '../src/model/feed.ts';

/** `/about`: the bot, its sources, what it stores about a server and about the news, for how long, and how to delete it. */
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
    const retention = services.retention ?? DEFAULT_RETENTION;
    return {
      title: t(language, 'about.title', { version: services.version }),
      lines: [
        t(language, 'about.what', { count: services.feeds.length, outlets }),
        t(language, 'about.stores'),
        retention.days > 0
          ? t(language, 'about.news', { period: period(language, retention.days), prefix })
          : t(language, 'about.newsKept', { prefix }),
        t(language, 'about.delete', { prefix, period: period(language, retention.forgetAfterDays) }),
        t(language, 'about.source', { homepage: services.homepage }),
      ],
    };
  },
};

/** "30 days", "one day". */
function period(language: Language, days: number): string {
  return days === 1 ? t(language, 'about.oneDay') : t(language, 'about.days', { count: days });
}
