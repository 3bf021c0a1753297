import type { CommandDefinition } from '../src/chat/command.ts';
import { companyOption, companyWithSubsidiaries, resolveCompany } from '../src/chat/company-option.ts';
import { t } from '../src/chat/translate.ts';
import { MAX_SUBSCRIPTIONS } from '../src/store/channel-repo.ts';

/** `/subscribe company:amazon` (managers): an alert in this channel for each new incident of the company or a subsidiary. */
export const subscribe: CommandDefinition = {
  name: 'subscribe',
  description: {
    en: 'Post an alert here for every new incident involving a company',
    de: 'Hier zu jedem neuen Vorfall eines Unternehmens eine Meldung posten',
  },
  access: 'managers',
  scope: 'channels',
  usage: ['subscribe <company>'],
  options: [companyOption({ en: 'Company to follow (subsidiaries included)', de: 'Unternehmen, dem der Kanal folgt (mit Tochterfirmen)' })],

  async handle({ options, context, services }) {
    const { language } = context;
    const resolved = resolveCompany(String(options.company), context, services, { command: 'subscribe', options: {} });
    if ('reply' in resolved) return resolved.reply;
    const { company } = resolved;
    const current = context.settings?.subscriptions ?? [];
    const name = companyWithSubsidiaries(company, services, language);
    if (current.includes(company.id)) return { lines: [t(language, 'subscribe.already', { company: name })] };
    const parent = services.gazetteer.ancestors(company.id).find((id) => current.includes(id));
    if (parent !== undefined) {
      const parentName = services.gazetteer.get(parent)?.name ?? parent;
      return { lines: [t(language, 'subscribe.coveredByParent', { parent: parentName, company: company.name })] };
    }
    if (current.length >= MAX_SUBSCRIPTIONS) return { lines: [t(language, 'subscribe.limit', { max: MAX_SUBSCRIPTIONS })], private: true };
    await services.store.channels.update(context.channel, (settings) => {
      settings.subscriptions.push(company.id);
    });
    return { lines: [t(language, 'subscribe.done', { company: name })] };
  },
};
