import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFeedCatalogue } from '../../src/ingest/feed-catalogue.ts';

const valid = (id: string, url = `https://example.org/${id}.xml`) => ({
  id,
  name: `Outlet ${id}`,
  url,
  language: 'de',
  scope: 'privacy',
  fullText: false,
  enabled: true,
});

async function catalogueDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'catalogue-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe('loadFeedCatalogue', () => {
  it('loads the shipped catalogue without problems, with the outlets the project promises', async () => {
    const { feeds, problems } = await loadFeedCatalogue(path.resolve(import.meta.dirname, '../../feeds'));
    expect(problems).toEqual([]);
    const ids = feeds.map((f) => f.id);
    for (const id of ['golem', 'golem-security', 'golem-politik-recht', 'heise', 'netzpolitik', 'erecht24', 'dr-datenschutz', 'datenschutzbeauftragter-info']) {
      expect(ids).toContain(id);
    }
    expect(feeds.some((f) => f.language === 'en')).toBe(true);
    expect(feeds.find((f) => f.id === 'golem')?.url).toBe('https://rss.golem.de/rss.php?feed=RSS2.0');
    expect(feeds.find((f) => f.id === 'heise')?.url).toBe('https://www.heise.de/rss/heise-atom.xml');
  });

  it('reports a broken file by name and field and keeps the others', async () => {
    const dir = await catalogueDir({
      'good.json': JSON.stringify(valid('good')),
      'badlang.json': JSON.stringify({ ...valid('badlang'), language: 'fr' }),
      'notjson.json': '{ "id": ',
      'extra.json': JSON.stringify({ ...valid('extra'), colour: 'red' }),
      'ftp.json': JSON.stringify({ ...valid('ftp'), url: 'ftp://example.org/feed' }),
      'wrongname.json': JSON.stringify(valid('othername')),
      'twin.json': JSON.stringify(valid('twin', 'https://example.org/good.xml')),
      'readme.txt': 'not a feed file',
    });
    const { feeds, problems } = await loadFeedCatalogue(dir);
    expect(feeds.map((f) => f.id)).toEqual(['good']);
    const byFile = Object.fromEntries(problems.map((p) => [p.file, p.message]));
    expect(Object.keys(byFile).sort()).toEqual(['badlang.json', 'extra.json', 'ftp.json', 'notjson.json', 'twin.json', 'wrongname.json']);
    expect(byFile['badlang.json']).toMatch(/^language: /);
    expect(byFile['notjson.json']).toMatch(/not valid JSON/);
    expect(byFile['extra.json']).toMatch(/unknown field colour/);
    expect(byFile['ftp.json']).toMatch(/^url: /);
    expect(byFile['wrongname.json']).toMatch(/must equal the file name/);
    expect(byFile['twin.json']).toMatch(/already defined in good.json/);
  });

  it('reports a missing folder instead of throwing', async () => {
    const { feeds, problems } = await loadFeedCatalogue('/nonexistent/feeds-folder');
    expect(feeds).toEqual([]);
    expect(problems[0]?.message).toBe('folder not found');
  });
});
