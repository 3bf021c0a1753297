import { ChannelUnavailableError, type CommandDefinition } from '../src/chat/command.ts';
import { canonicalTimezone, completeTimezones, parseTimeOfDay } from '../src/chat/digest-time.ts';
import { shortDate } from '../src/chat/relative-time.ts';
import { t } from '../src/chat/translate.ts';
import { composeDigest, digestSections } from '../src/delivery/compose-digest.ts';
import { incidentAudience, userFeedMap } from '../src/delivery/incident-audience.ts';
import { alertedAmong } from '../src/delivery/plan-alerts.ts';
import type { Incident } from '../src/model/analysis.ts';

/**
 * `/digest daily [time:08:00] [timezone]`, `/digest off`, `/digest now` (managers): the channel's daily digest.
 * On Matrix `!digest 08:00 Europe/Berlin` means `daily`; without a time, the channel keeps its time or gets
 * DIGEST_DEFAULT_TIME. Sending at the chosen time is the delivery stage's job.
 */
export const digest: CommandDefinition = {
  name: 'digest',
  description: { en: "This channel's daily digest of new incidents", de: 'Die tägliche Übersicht neuer Vorfälle für diesen Kanal' },
  access: 'managers',
  scope: 'channels',
  usage: ['digest daily [08:00] [Europe/Berlin]', 'digest off', 'digest now'],
  defaultSubcommand: 'daily',
  subcommands: [
    {
      name: 'daily',
      description: { en: 'Post a digest here every day at this local time', de: 'Hier jeden Tag zu dieser Ortszeit eine Übersicht posten' },
      options: [
        {
          name: 'time',
          kind: 'string',
          maxLength: 5,
          description: { en: 'Time of day, 24-hour HH:MM (default: as set, or the bot\'s default)', de: 'Uhrzeit, 24-Stunden HH:MM (sonst wie eingestellt oder die Voreinstellung)' },
        },
        {
          name: 'timezone',
          kind: 'string',
          maxLength: 64,
          description: { en: 'Time zone, e.g. Europe/Berlin', de: 'Zeitzone, z. B. Europe/Berlin' },
          autocomplete: async (typed) => completeTimezones(typed).map((zone) => ({ label: zone, value: zone })),
        },
      ],
      async handle({ options, context, services }) {
        const { language } = context;
        const typedTime = options.time as string | undefined;
        const time = typedTime === undefined ? (context.settings?.digest?.time ?? services.defaultDigestTime) : parseTimeOfDay(typedTime);
        if (time === undefined) return { lines: [t(language, 'digest.badTime', { value: String(options.time) })], private: true };
        const typedZone = options.timezone as string | undefined;
        const timezone = typedZone === undefined ? (context.settings?.digest?.timezone ?? services.defaultTimezone) : canonicalTimezone(typedZone);
        if (timezone === undefined) return { lines: [t(language, 'digest.badTimezone', { value: String(typedZone) })], private: true };
        await services.store.channels.update(context.channel, (settings) => {
          settings.digest = { time, timezone };
        });
        return { lines: [t(language, 'digest.on', { time, timezone })] };
      },
    },
    {
      name: 'off',
      description: { en: 'No daily digest in this channel', de: 'Keine tägliche Übersicht in diesem Kanal' },
      options: [],
      async handle({ context, services }) {
        if (!context.settings?.digest) return { lines: [t(context.language, 'digest.alreadyOff')] };
        await services.store.channels.update(context.channel, (settings) => {
          delete settings.digest;
        });
        return { lines: [t(context.language, 'digest.off')] };
      },
    },
    {
      name: 'now',
      description: { en: 'Preview the next digest here now', de: 'Die nächste Übersicht jetzt hier als Vorschau posten' },
      options: [],
      async handle({ context, services }) {
        const { language, prefix, settings } = context;
        const userFeeds = userFeedMap(await services.store.userFeeds.all());
        const result = await composeDigest({
          incidents: services.store.incidents,
          gazetteer: services.gazetteer,
          subscriptions: settings?.subscriptions ?? [],
          exclude: alertedAmong(services.store.outbox, context.channel),
          visible: (incident: Incident) => incidentAudience(incident, userFeeds)(context.channel),
          ...(settings?.lastDigestAt ? { lastDigestAt: settings.lastDigestAt } : {}),
          now: services.now(),
        });
        const zone = settings?.digest?.timezone ?? services.defaultTimezone;
        const since = shortDate(result.since, language, zone);
        if (result.total === 0) return { lines: [t(language, 'digest.nothingNew', { date: since })] };
        const lines = [t(language, 'digest.since', { date: since })];
        if (result.total > result.cards.length) lines.push(t(language, 'digest.more', { count: result.total - result.cards.length, prefix }));
        try {
          await services.post(context.channel, {
            title: result.total === 1 ? t(language, 'digest.titleOne') : t(language, 'digest.title', { count: result.total }),
            lines,
            cards: result.cards,
            language,
            ...(result.groups.length > 0 ? { sections: digestSections(result.groups, language) } : {}),
          });
        } catch (error) {
          if (error instanceof ChannelUnavailableError) return { lines: [t(language, 'error.channelInactive')], private: true };
          throw error;
        }
        return { lines: [t(language, 'digest.posted', { count: result.total })], private: true };
      },
    },
  ],
};
