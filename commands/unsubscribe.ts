import type { CommandDefinition } from '../src/chat/command.ts';
import { companyOption, resolveCompany } from '../src/chat/company-option.ts';
import { t } from '../src/chat/translate.ts';

/** `/unsubscribe company:amazon` (managers): no more alerts for the company here. */
export const unsubscribe: CommandDefinition = {
  name: 'unsubscribe',
  description: { en: 'Stop alerts for a company in this channel', de: 'Meldungen zu einem Unternehmen in diesem Kanal beenden' },
  access: 'managers',
  scope: 'channels',
  usage: ['unsubscribe <company>'],
  options: [
    {
      ...companyOption({ en: 'Company to stop following', de: 'Unternehmen, dem der Kanal nicht mehr folgt' }),
      // Only what this channel follows is worth offering.
      autocomplete: async (typed, context, services) => {
        const folded = typed.trim().toLowerCase();
        return (context.settings?.subscriptions ?? [])
          .map((id) => ({ value: id, label: services.gazetteer.get(id)?.name ?? id }))
          .filter((choice) => folded === '' || choice.label.toLowerCase().includes(folded) || choice.value.includes(folded));
      },
    },
  ],

  async handle({ options, context, services }) {
    const { language } = context;
    const resolved = resolveCompany(String(options.company), context, services, { command: 'unsubscribe', options: {} });
    if ('reply' in resolved) return resolved.reply;
    const { company } = resolved;
    if (!(context.settings?.subscriptions ?? []).includes(company.id)) {
      return { lines: [t(language, 'unsubscribe.notSubscribed', { company: company.name })], private: true };
    }
    await services.store.channels.update(context.channel, (settings) => {
      settings.subscriptions = settings.subscriptions.filter((id) => id !== company.id);
    });
    return { lines: [t(language, 'unsubscribe.done', { company: company.name })] };
  },
};
