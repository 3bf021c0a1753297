import { describe, expect, it } from 'vitest';
import { formatInvocation } from '../../../src/chat/format-invocation.ts';
import type { Card } from '../../../src/model/card.ts';
import { cardText } from '../../../src/platforms/matrix/card-html.ts';
import { escapeHtml, safeHref } from '../../../src/platforms/matrix/escape-html.ts';
import { inviterAllowed, stripReplyFallback } from '../../../src/platforms/matrix/matrix-bot.ts';
import { channelContent, replyContent } from '../../../src/platforms/matrix/message-content.ts';

/** Cards and replies as Matrix clients receive them: plain body, the recommended HTML subset, no mentions. */

const card = (overrides: Partial<Card> = {}): Card => ({
  incidentId: 'i-1',
  title: 'Ring gibt Videos an die Polizei',
  summary: 'Die Amazon-Tochter hat Aufnahmen ohne Beschluss weitergegeben.',
  companies: [{ id: 'ring', name: 'Ring', parentName: 'Amazon' }],
  types: ['authority_access'],
  outlet: 'Beispiel-News',
  url: 'https://news.example/ring',
  published: '2026-11-20T09:30:00.000Z',
  language: 'de',
  sourceCount: 3,
  sources: [
    { outlet: 'Beispiel-News', url: 'https://news.example/ring' },
    { outlet: 'Anderes Blatt', url: 'javascript:alert(1)' },
  ],
  ...overrides,
});

/** Tags and attributes the Matrix spec recommends clients allow (a subset is all we use). */
const ALLOWED_TAGS = new Set(['p', 'b', 'strong', 'em', 'i', 'a', 'ul', 'ol', 'li', 'br', 'code', 'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const tagsOf = (html: string): string[] => [...html.matchAll(/<\/?([a-zA-Z0-9]+)/g)].map((m) => m[1]!.toLowerCase());

describe('Matrix cards', () => {
  it('links the title, lists companies with parent, type, outlet, date and sources', () => {
    const { plain, html } = cardText(card(), 'de');
    expect(html).toContain('<b><a href="https://news.example/ring">Ring gibt Videos an die Polizei</a></b>');
    expect(html).toContain('<em>Ring (Amazon) · Daten an Behörden · Beispiel-News · 20.11.2026 · 3 Quellen</em>');
    expect(html).toContain('Quellen: <a href="https://news.example/ring">Beispiel-News</a> · Anderes Blatt und 1 weitere');
    expect(plain).toContain('Quellen: Beispiel-News <https://news.example/ring> · Anderes Blatt und 1 weitere');
    expect(cardText(card(), 'en').html).toContain('Data to authorities');
  });

  it('lets nothing from a feed become markup, a link or a mention', () => {
    const hostile = card({
      title: '<script>alert(1)</script> @room <a href="javascript:evil()">klick</a>',
      summary: `<img src=x onerror=alert(1)> &amp; "quoted" 'single' ${'lang '.repeat(400)}`,
      url: 'javascript:alert(1)',
      outlet: '<b>Outlet</b>',
    });
    const { plain, html } = cardText(hostile, 'de');
    expect(tagsOf(html).every((tag) => ALLOWED_TAGS.has(tag))).toBe(true);
    expect(html).not.toMatch(/<script|<img|href="(?!https?:)/i);
    expect(html).not.toMatch(/<[a-z]+ [^>]*on[a-z]+=/i);
    expect(html).toContain('&#60;script&#62;');
    expect(html).not.toContain('@room');
    expect(plain).not.toContain('@room');
    expect(plain).toContain('@\u200broom');
    expect(plain.length).toBeLessThan(1500);
    expect(html).toContain('…');
  });

  it('accepts only http(s) links, escaped for an attribute', () => {
    expect(safeHref('https://news.example/a?b=1&c="2"')).toBe('https://news.example/a?b=1&#38;c=%222%22');
    expect(safeHref('data:text/html,hi')).toBeUndefined();
    expect(safeHref('nonsense')).toBeUndefined();
    expect(escapeHtml(`<>&"'`)).toBe('&#60;&#62;&#38;&#34;&#39;');
  });
});

describe('Matrix notices', () => {
  it('sends every reply as a notice without mentions, buttons written as the commands they stand for', () => {
    const content = replyContent(
      {
        title: 'Amazon: 12 incidents — page 1 of 3',
        lines: ['Type: Data breach'],
        cards: [card()],
        actions: [
          { label: '◀ Previous', invocation: { command: 'incidents', options: { company: 'amazon', page: 1 } }, disabled: true },
          { label: 'Next ▶', invocation: { command: 'incidents', options: { company: 'amazon', page: 2 } } },
        ],
      },
      'en',
      '!',
    );
    expect(content).toMatchObject({ msgtype: 'm.notice', format: 'org.matrix.custom.html', 'm.mentions': {} });
    expect(content.body).toContain('Next ▶: !incidents --company amazon --page 2');
    expect(content.body).not.toContain('Previous');
    expect(content.formatted_body).toMatch(/^<p><b>Amazon: 12 incidents — page 1 of 3<\/b><\/p><p>Type: Data breach<\/p><ul><li>/);
    expect(content.formatted_body).toContain('<code>!incidents --company amazon --page 2</code>');
    expect(tagsOf(content.formatted_body).every((tag) => ALLOWED_TAGS.has(tag))).toBe(true);
  });

  it('sends a digest as one message with a list of cards', () => {
    const content = channelContent({ title: 'Datenschutz-Übersicht: 2 neue Vorfälle', lines: ['Neu seit 22.11.2026.'], cards: [card(), card({ title: 'Zweiter Vorfall' })], language: 'de' });
    expect(content.formatted_body.match(/<li>/g)).toHaveLength(2);
    expect(content.body.split('\n')[0]).toBe('Datenschutz-Übersicht: 2 neue Vorfälle');
    expect(content['m.mentions']).toEqual({});
  });

  it('puts each section of a grouped digest under its heading, in its own list', () => {
    const cards = [card(), card({ title: 'Zweiter Vorfall' }), card({ title: 'Dritter Vorfall' })];
    const sections = [
      { heading: 'Unternehmen, denen ihr folgt', size: 1 },
      { heading: 'Daten an <Behörden>', size: 2 },
    ];
    const content = channelContent({ title: 'Übersicht', lines: [], cards, language: 'de', sections });
    expect(content.formatted_body).toMatch(/<h4>Unternehmen, denen ihr folgt<\/h4><ul><li>.*Ring gibt Videos.*<\/li><\/ul><h4>Daten an &#60;Behörden&#62;<\/h4><ul>(<li>.*<\/li>){2}<\/ul>$/s);
    expect(tagsOf(content.formatted_body).every((tag) => ALLOWED_TAGS.has(tag))).toBe(true);
    const lines = content.body.split('\n');
    expect(lines.indexOf('Unternehmen, denen ihr folgt:')).toBeLessThan(lines.indexOf('Daten an <Behörden>:'));
  });

  it('writes invocations as text commands, quoting values with spaces', () => {
    expect(formatInvocation({ command: 'incidents', options: { company: 'deutsche telekom', page: 2 } }, '!')).toBe('!incidents --company "deutsche telekom" --page 2');
    expect(formatInvocation({ command: 'digest', subcommand: 'now', options: {} }, '!')).toBe('!digest now');
  });
});

describe('Matrix input', () => {
  it('strips the quoted original from a reply before reading the command', () => {
    const relation = { 'm.in_reply_to': { event_id: '$x' } };
    expect(stripReplyFallback('> <@alice:example.org> earlier text\n> more\n\n!incidents amazon', relation)).toBe('!incidents amazon');
    expect(stripReplyFallback('> not a reply fallback\n!help', undefined)).toBe('> not a reply fallback\n!help');
  });

  it('accepts invites only from allowed users or homeservers', () => {
    expect(inviterAllowed('@alice:example.org', ['*:example.org'])).toBe(true);
    expect(inviterAllowed('@mallory:evil.example', ['*:example.org'])).toBe(false);
    expect(inviterAllowed('@mallory:evil.example.org', ['*:example.org'])).toBe(false);
    expect(inviterAllowed('@bob:other.org', ['@bob:other.org', '*:example.org'])).toBe(true);
    expect(inviterAllowed('@anyone:any.where', ['*'])).toBe(true);
    expect(inviterAllowed(undefined, ['*'])).toBe(false);
  });
});
