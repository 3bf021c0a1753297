import { INCIDENT_TYPES, type IncidentType } from '../src/model/analysis.ts';
import { incidentTypeLabel } from '../src/delivery/incident-type-label.ts';
import { cardFromIncident } from '../src/delivery/incident-card.ts';
import type { CommandDefinition, Invocation, Reply, ReplyAction } from '../src/chat/command.ts';
import { companyOption, companyWithSubsidiaries, resolveCompany } from '../src/chat/company-option.ts';
import { parseSince } from '../src/chat/parse-since.ts';
import { shortDate } from '../src/chat/relative-time.ts';
import { t } from '../src/chat/translate.ts';

export const INCIDENTS_PAGE_SIZE = 5;
const MAX_PAGE = 1000;

/** `/incidents company:amazon [type] [since] [page]`: a company's incidents with its subsidiaries', newest first. */
export const incidents: CommandDefinition = {
  name: 'incidents',
  description: {
    en: "A company's privacy incidents, newest first (subsidiaries included)",
    de: 'Datenschutz-Vorfälle eines Unternehmens, neueste zuerst (mit Tochterfirmen)',
  },
  access: 'everyone',
  scope: 'anywhere',
  usage: ['incidents <company> [--type breach] [--since 30d] [--page 2]'],
  options: [
    companyOption({ en: 'Company name, e.g. Amazon or Telekom', de: 'Name des Unternehmens, z. B. Amazon oder Telekom' }),
    {
      name: 'type',
      kind: 'string',
      description: { en: 'Only incidents of this type', de: 'Nur Vorfälle dieser Art' },
      choices: INCIDENT_TYPES.map((type) => ({ value: type, label: { en: incidentTypeLabel(type, 'en'), de: incidentTypeLabel(type, 'de') } })),
    },
    {
      name: 'since',
      kind: 'string',
      maxLength: 20,
      description: { en: 'Only incidents since a date (2026-11-01) or a span (7d, 4w, 6m)', de: 'Nur Vorfälle seit einem Datum (2026-11-01) oder einer Spanne (7d, 4w, 6m)' },
    },
    { name: 'page', kind: 'integer', min: 1, max: MAX_PAGE, description: { en: 'Page of the results', de: 'Seite der Ergebnisse' } },
  ],

  async handle({ options, context, services }) {
    const { language, prefix } = context;
    const query = String(options.company);
    const type = options.type as IncidentType | undefined;
    const sinceText = options.since as string | undefined;
    const since = sinceText === undefined ? undefined : parseSince(sinceText, services.now());
    if (sinceText !== undefined && since === undefined) return { lines: [t(language, 'incidents.badSince')], private: true };

    const filters: Record<string, string> = { ...(type ? { type } : {}), ...(sinceText ? { since: sinceText } : {}) };
    const resolved = resolveCompany(query, context, services, { command: 'incidents', options: filters });
    if ('reply' in resolved) return resolved.reply;
    const { company } = resolved;
    const companyIds = [company.id, ...services.gazetteer.descendants(company.id)];
    const name = companyWithSubsidiaries(company, services, language);

    const total = await services.store.incidents.count({ companyIds, ...(type ? { type } : {}), ...(since ? { since } : {}) });
    if (total === 0) {
      const lines = [t(language, type || since ? 'incidents.noneFiltered' : 'incidents.none', { company: name })];
      if (!context.channel.isDirect) lines.push(t(language, 'incidents.subscribeHint', { prefix, companyId: company.id }));
      return { lines };
    }
    const pages = Math.ceil(total / INCIDENTS_PAGE_SIZE);
    const page = Math.min(Number(options.page ?? 1), pages);
    const found = await services.store.incidents.query({
      companyIds,
      ...(type ? { type } : {}),
      ...(since ? { since } : {}),
      offset: (page - 1) * INCIDENTS_PAGE_SIZE,
      limit: INCIDENTS_PAGE_SIZE,
    });
    const filterLines = [
      ...(type ? [t(language, 'incidents.filterType', { type: incidentTypeLabel(type, language) })] : []),
      ...(since ? [t(language, 'incidents.filterSince', { date: shortDate(since, language) })] : []),
    ];
    const reply: Reply = {
      title: total === 1 ? t(language, 'incidents.titleOne', { company: name }) : t(language, 'incidents.title', { company: name, total, page, pages }),
      lines: filterLines.length > 0 ? [filterLines.join(' · ')] : [],
      cards: found.incidents.map((incident) => cardFromIncident(incident, services.gazetteer)),
    };
    if (pages > 1) {
      const at = (target: number): Invocation => ({ command: 'incidents', options: { company: company.id, ...filters, page: target } });
      const actions: ReplyAction[] = [
        { label: `◀ ${t(language, 'incidents.previous')}`, invocation: at(Math.max(1, page - 1)), disabled: page <= 1 },
        { label: `${t(language, 'incidents.next')} ▶`, invocation: at(Math.min(pages, page + 1)), disabled: page >= pages },
      ];
      reply.actions = actions;
    }
    return reply;
  },
};
