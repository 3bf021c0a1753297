import type { CommandDefinition } from '../src/chat/command.ts';
import { t } from '../src/chat/translate.ts';

/** `/help`: what the bot does and every command with its usage. */
export const help: CommandDefinition = {
  name: 'help',
  description: { en: 'What privacy-radar does and how to use it', de: 'Was privacy-radar macht und wie man es nutzt' },
  access: 'everyone',
  scope: 'anywhere',
  usage: ['help'],
  options: [],

  async handle({ context, commands }) {
    const { language, prefix } = context;
    const lines = [t(language, 'help.intro'), ''];
    for (const command of commands) {
      const usage = command.usage.map((line) => `${prefix}${line}`).join(' · ');
      const managers = command.access === 'managers' ? ` ${t(language, 'help.managersOnly')}` : '';
      lines.push(`• ${t(language, 'help.command', { usage, description: command.description[language] })}${managers}`);
    }
    return { title: t(language, 'help.title'), lines };
  },
};
