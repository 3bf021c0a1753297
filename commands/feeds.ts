import type { CommandDefinition } from '../src/chat/command.ts';
import { relativeTime } from '../src/chat/relative-time.ts';
import { t } from '../src/chat/translate.ts';

/** `/feeds`: the outlets the bot reads and how reading them goes. */
export const feeds: CommandDefinition = {
  name: 'feeds',
  description: { en: 'The news outlets the bot reads, and their health', de: 'Die Nachrichtenquellen des Bots und ihr Zustand' },
  access: 'everyone',
  scope: 'anywhere',
  usage: ['feeds'],
  options: [],

  async handle({ context, services }) {
    const { language } = context;
    const now = services.now();
    const states = await Promise.all(services.feeds.map((feed) => services.store.feedState.get(feed.id)));
    const lines = services.feeds.map((feed, i) => {
      const health = states[i]?.health;
      const values = { name: feed.name, language: feed.language };
      if (!health?.lastAttempt) return t(language, 'feeds.pending', values);
      if (health.consecutiveFailures > 0) {
        return t(language, 'feeds.failing', {
          ...values,
          failures: health.consecutiveFailures,
          kind: health.lastErrorKind ?? 'error',
          ago: relativeTime(health.lastSuccess, now, language),
        });
      }
      return t(language, 'feeds.ok', { ...values, ago: relativeTime(health.lastSuccess, now, language) });
    });
    return { title: t(language, 'feeds.title', { count: services.feeds.length }), lines };
  },
};
