import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../commands/index.ts';
import { loadGazetteer } from '../../src/analysis/company-gazetteer.ts';
import type { ChatServices } from '../../src/chat/command.ts';
import { createCommandRunner, type CommandRequest } from '../../src/chat/run-command.ts';
import { silentLogger } from '../../src/log.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';

/** `/about` in plain words: what is stored, for how long (as configured), and how to have it deleted. */

describe('/about', () => {
  let store: Store;
  const services = (retention?: ChatServices['retention']): ChatServices => ({
    store,
    gazetteer: loadGazetteer(),
    feeds: [{ id: 'heise', name: 'heise online', url: 'https://www.heise.de/rss/heise.rdf', language: 'de', scope: 'general', fullText: false, enabled: true }],
    version: '9.9.9',
    homepage: 'https://example.org/privacy-radar',
    defaultTimezone: 'Europe/Berlin',
    defaultDigestTime: '08:00',
    now: () => new Date('2026-05-01T12:00:00.000Z'),
    probeFeed: async (url) => ({ ok: false, reason: 'not-a-feed', detail: `${url} is not a feed` }),
    userFeedLimit: 20,
    post: async () => {},
    ...(retention ? { retention } : {}),
  });
  const ask = async (language: 'en' | 'de', retention?: ChatServices['retention'], prefix = '/'): Promise<string> => {
    const request: CommandRequest = {
      invocation: { command: 'about', options: {} },
      channel: { platform: 'discord', id: 'c1', guildId: 'g1', isDirect: false },
      isManager: false,
      fallbackLanguage: language,
      prefix,
      managerRequirement: { en: 'Manage Channels', de: 'Kanäle verwalten' },
    };
    const reply = await createCommandRunner(COMMANDS, services(retention), silentLogger).run(request);
    return reply.lines.join('\n');
  };

  beforeAll(async () => {
    store = await openStore('sqlite://:memory:');
  });
  afterAll(async () => {
    await store.close();
  });

  it('says what it stores, for how long, and how to have it deleted, in English', async () => {
    const text = await ask('en', { days: 60, forgetAfterDays: 14 }, '!');
    expect(text).toContain('No messages, no members, no user ids.');
    expect(text).toContain('article texts for 60 days');
    expect(text).toContain('until 60 days after they left it');
    expect(text).toContain('!incidents');
    expect(text).toContain('!forget deletes everything');
    expect(text).toContain('I delete its settings 14 days later unless I am added back');
    expect(text).toContain('privacy-radar forget');
  });

  it('in German, with the defaults (90 and 30 days) when none are configured', async () => {
    const text = await ask('de');
    expect(text).toContain('keine Nutzer-IDs');
    expect(text).toContain('die Artikeltexte 90 Tage lang');
    expect(text).toContain('Einstellungen 30 Tage später');
  });

  it('says so when news records are kept without a limit, and words a single day as such', async () => {
    expect(await ask('en', { days: 0, forgetAfterDays: 1 })).toMatch(/without a time limit[\s\S]*one day later/);
    expect(await ask('de', { days: 1, forgetAfterDays: 1 })).toMatch(/Artikeltexte einen Tag lang[\s\S]*einen Tag später/);
  });
});
