import type { CommandDefinition } from '../src/chat/command.ts';
import { t } from '../src/chat/translate.ts';

/** `/subscriptions`: what this channel follows, its digest and its language. */
export const subscriptions: CommandDefinition = {
  name: 'subscriptions',
  description: {
    en: "This channel's subscriptions, digest time and language",
    de: 'Abos, Übersichtszeit und Sprache dieses Kanals',
  },
  access: 'everyone',
  scope: 'channels',
  usage: ['subscriptions'],
  options: [],

  async handle({ context, services }) {
    const { language, prefix, settings } = context;
    const followed = (settings?.subscriptions ?? []).map((id) => services.gazetteer.get(id)?.name ?? id);
    const lines = [
      followed.length > 0 ? t(language, 'settings.subscriptions', { list: followed.join(', ') }) : t(language, 'settings.noSubscriptions', { prefix }),
      settings?.digest ? t(language, 'settings.digest', { ...settings.digest }) : t(language, 'settings.noDigest', { prefix }),
      t(language, 'settings.language'),
    ];
    if (settings && (!settings.active || settings.refusals)) lines.push(t(language, 'settings.inactive', { reason: settings.inactiveReason ?? '?' }));
    return { title: t(language, 'settings.title'), lines };
  },
};
