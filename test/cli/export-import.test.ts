import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { flushRedisDb } from '../support/store-backends.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident, IncidentType } from '../../src/model/analysis.ts';
import { asImported, mergeIncident, readLines, type InputLine } from '../../src/cli/import-command.ts';
import { MAX_SOURCES, incidentToLine } from '../../src/store/incident-jsonl.ts';
import { newIncidentId } from '../../src/store/incident-repo.ts';
import { openStore } from '../../src/store/open-store.ts';
import { runCli, type Run } from '../support/run-cli.ts';

/**
 * `privacy-radar export` and `import` as an operator runs them: a SQLite store filled by the test is exported,
 * imported into a second SQLite store and (when REDIS_URL is set) into Redis, and every store then answers
 * `incidents amazon` alike — the imported incidents differing only in the history mark the import adds.
 *
 * The CLI opens its store without a key prefix, so the Redis part runs in a database of its own (number
 * REDIS_DB, which no other test uses), flushed before and after, as test/delivery/two-instances-e2e.test.ts does.
 */

const REDIS_DB = 12;
const redisUrl = process.env.REDIS_URL;

/** Amazon and two of its subsidiaries, written by us; one is history, one has a signature, one shares two companies. */
function amazonFamily(): Incident[] {
  const source = (n: number, published: string, language: 'de' | 'en' = 'de'): Incident['sources'][number] => ({
    articleKey: `u:${String(n).padStart(32, 'a')}`,
    url: `https://news.example/${language}/meldung-${n}`,
    title: language === 'de' ? `Meldung Nummer ${n} über einen Datenschutzvorfall` : `Report number ${n} on a privacy incident`,
    outlet: language === 'de' ? 'Beispiel-News' : 'Example Wire',
    feedId: language === 'de' ? 'beispiel-news' : 'example-wire',
    published,
    language,
  });
  const incident = (n: number, firstSeen: string, companies: string[], types: IncidentType[], extra: Partial<Incident> = {}): Incident => ({
    id: newIncidentId(firstSeen, `amazon-family-${n}`),
    companies,
    types,
    title: `Vorfall ${n}: ${companies.join(' und ')} in der Kritik`,
    summary: `Zusammenfassung des Vorfalls ${n}, in eigenen Worten geschrieben.`,
    language: 'de',
    firstSeen,
    lastSeen: firstSeen,
    recordedAt: firstSeen,
    relevance: 0.5 + n / 100,
    sources: [source(n, firstSeen)],
    ...extra,
  });
  return [
    incident(1, '2026-01-05T08:00:00.000Z', ['ring'], ['authority_access'], {
      history: true,
      lastSeen: '2026-01-07T09:00:00.000Z',
      sources: [source(1, '2026-01-05T08:00:00.000Z'), source(101, '2026-01-07T09:00:00.000Z', 'en')],
    }),
    incident(2, '2026-02-10T12:00:00.000Z', ['twitch'], ['breach'], {
      signature: { numbers: [['7000000', 1]], names: [['twitch', true], ['streamer', false]], concepts: ['leak', 'password'] },
    }),
    incident(3, '2026-02-11T07:30:00.000Z', ['amazon', 'ring'], ['tracking', 'policy_change']),
    incident(4, '2026-03-01T10:00:00.000Z', ['alexa'], ['unlawful_processing']),
    incident(5, '2026-03-15T16:45:00.000Z', ['amazon'], ['enforcement']),
    incident(6, '2025-12-24T18:00:00.000Z', ['twitch', 'amazon'], ['data_sale']),
    incident(7, '2026-04-02T06:15:00.000Z', ['aws'], ['breach']),
  ];
}

/** More than one export page (100) of other companies' incidents, and one filed under no company. */
function others(): Incident[] {
  const filler = Array.from({ length: 130 }, (_, n): Incident => {
    const firstSeen = new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString();
    return {
      id: newIncidentId(firstSeen, `other-${n}`),
      companies: [n % 2 === 0 ? 'meta' : 'instagram'],
      types: ['tracking'],
      title: `Anderer Vorfall ${n}`,
      summary: 'Ein Vorfall bei einem anderen Konzern.',
      language: 'de',
      firstSeen,
      lastSeen: firstSeen,
      sources: [],
    };
  });
  const companyless: Incident = { ...filler[0]!, id: 'i-no-company', companies: [], title: 'Vorfall ohne Firma' };
  return [...filler, companyless];
}

const lines = (stdout: string): Incident[] => stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Incident);
const withoutHistory = ({ history: _, ...rest }: Incident): Omit<Incident, 'history'> => rest;

async function storedIncidents(storeUrl: string, ids: string[]): Promise<(Incident | undefined)[]> {
  const store = await openStore(storeUrl);
  try {
    return await Promise.all(ids.map((id) => store.incidents.get(id)));
  } finally {
    await store.close();
  }
}

/** Every page of `incidents amazon --json` (five to a page, up to the first short one), as `/incidents amazon` answers it. */
async function amazonAnswer(storeUrl: string): Promise<Incident[]> {
  const answer: Incident[] = [];
  for (let page = 1; page <= 10; page += 1) {
    const run = await runCli(['incidents', 'amazon', '--json', '--page', String(page)], { STORE_URL: storeUrl, LOG_LEVEL: 'warn' });
    expect(run.code).toBe(0);
    const shown = lines(run.stdout);
    answer.push(...shown);
    if (shown.length < 5) break;
  }
  return answer;
}

describe('privacy-radar export / import', () => {
  let dir: string;
  let sourceUrl: string;
  let exportFile: string;
  let exported: Run;
  let sourceAnswer: Promise<Incident[]> | undefined;
  /** The source store's answer, asked once. */
  const amazonAnswerOfSource = (): Promise<Incident[]> => (sourceAnswer ??= amazonAnswer(sourceUrl));
  const family = amazonFamily();
  const all = [...family, ...others()];
  const env = (storeUrl: string): Record<string, string> => ({ STORE_URL: storeUrl, LOG_LEVEL: 'warn' });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'export-import-'));
    sourceUrl = `sqlite://${path.join(dir, 'source.sqlite')}`;
    const store = await openStore(sourceUrl);
    try {
      for (const incident of family) await store.incidents.put(incident);
      await store.incidents.putMany(others());
    } finally {
      await store.close();
    }
    exported = await runCli(['export'], env(sourceUrl));
    exportFile = path.join(dir, 'incidents.jsonl');
    await writeFile(exportFile, exported.stdout);
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exports every incident once, one JSON object per line, paging through the whole store', () => {
    expect(exported.code).toBe(0);
    expect(exported.stderr).toBe(`exported ${all.length} incidents\n`);
    const written = lines(exported.stdout);
    expect(written).toHaveLength(all.length);
    expect(new Set(written.map((incident) => incident.id))).toEqual(new Set(all.map((incident) => incident.id)));
    // Exactly what was stored, the history mark and the signature included.
    const byId = new Map(written.map((incident) => [incident.id, incident]));
    for (const incident of family) expect(byId.get(incident.id)).toEqual(incident);
  });

  it('exports a company family with --company, found by name like the incidents command finds it', async () => {
    const run = await runCli(['export', '--company', 'Amazon'], env(sourceUrl));
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`exported ${family.length} incidents\n`);
    expect(lines(run.stdout).map((incident) => incident.id).sort()).toEqual(family.map((incident) => incident.id).sort());

    const unknown = await runCli(['export', '--company', 'Amazn'], env(sourceUrl));
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toContain('No company called "Amazn" is known. Did you mean Amazon');
  }, 30_000);

  describe('into a second SQLite store', () => {
    let targetUrl: string;
    beforeAll(() => {
      targetUrl = `sqlite://${path.join(dir, 'target.sqlite')}`;
    });

    it('imports every line as history and answers /incidents amazon as the source does', async () => {
      const run = await runCli(['import', exportFile], env(targetUrl));
      expect(run).toMatchObject({ code: 0, stderr: '', stdout: `imported ${all.length} new, 0 updated, 0 unchanged, 0 bad lines\n` });

      const source = await amazonAnswerOfSource();
      const target = await amazonAnswer(targetUrl);
      expect(source).toHaveLength(family.length);
      // Same incidents, same order, same content — except the history mark on every imported incident.
      expect(target.map(withoutHistory)).toEqual(source.map(withoutHistory));
      expect(target.every((incident) => incident.history === true)).toBe(true);
      expect(source.filter((incident) => incident.history === true)).toHaveLength(1);
    }, 60_000);

    it('changes nothing when the same file is imported again', async () => {
      const ids = all.map((incident) => incident.id);
      const before = await storedIncidents(targetUrl, ids);
      const run = await runCli(['import', exportFile], env(targetUrl));
      expect(run).toMatchObject({ code: 0, stderr: '', stdout: `imported 0 new, 0 updated, ${all.length} unchanged, 0 bad lines\n` });
      expect(await storedIncidents(targetUrl, ids)).toEqual(before);
    }, 60_000);

    it('merges a line about a stored incident: sources, companies and types joined; the stored title and history stay', async () => {
      const [stored] = await storedIncidents(targetUrl, [family[2]!.id]);
      const extraSource = { ...stored!.sources[0]!, articleKey: 'u:merged-source', url: 'https://other.example/bericht', outlet: 'Andere Zeitung' };
      const line = incidentToLine({
        ...stored!,
        title: 'Ein anderer Titel',
        companies: ['alexa'],
        types: ['breach'],
        firstSeen: '2026-02-01T00:00:00.000Z',
        lastSeen: '2026-02-20T00:00:00.000Z',
        relevance: 0.99,
        sources: [extraSource],
      });
      const run = await runCli(['import', '-'], env(targetUrl), { stdin: `${line}\n` });
      expect(run).toMatchObject({ code: 0, stdout: 'imported 0 new, 1 updated, 0 unchanged, 0 bad lines\n' });
      const [merged] = await storedIncidents(targetUrl, [stored!.id]);
      expect(merged).toEqual({
        ...stored,
        companies: ['amazon', 'ring', 'alexa'],
        types: ['tracking', 'policy_change', 'breach'],
        firstSeen: '2026-02-01T00:00:00.000Z',
        lastSeen: '2026-02-20T00:00:00.000Z',
        relevance: 0.99,
        sources: [...stored!.sources, extraSource],
      });
      const again = await runCli(['import', '-'], env(targetUrl), { stdin: line });
      expect(again.stdout).toBe('imported 0 new, 0 updated, 1 unchanged, 0 bad lines\n');
    }, 60_000);
  });

  describe.skipIf(!redisUrl)('into Redis (REDIS_URL)', () => {
    let targetUrl: string;
    beforeAll(async () => {
      const url = new URL(redisUrl!);
      url.pathname = `/${REDIS_DB}`;
      targetUrl = url.toString();
      await flushRedisDb(targetUrl);
    });
    afterAll(async () => {
      await flushRedisDb(targetUrl);
    });

    it('imports from standard input, answers /incidents amazon as the SQLite source does, and a second import changes nothing', async () => {
      const run = await runCli(['import', '-'], env(targetUrl), { stdin: exported.stdout });
      expect(run).toMatchObject({ code: 0, stderr: '', stdout: `imported ${all.length} new, 0 updated, 0 unchanged, 0 bad lines\n` });
      const source = await amazonAnswerOfSource();
      const target = await amazonAnswer(targetUrl);
      expect(target.map(withoutHistory)).toEqual(source.map(withoutHistory));
      expect(target.every((incident) => incident.history === true)).toBe(true);

      const ids = all.map((incident) => incident.id);
      const before = await storedIncidents(targetUrl, ids);
      expect(before.map((incident) => incident && withoutHistory(incident))).toEqual(all.map(withoutHistory));
      const again = await runCli(['import', exportFile], env(targetUrl));
      expect(again.stdout).toBe(`imported 0 new, 0 updated, ${all.length} unchanged, 0 bad lines\n`);
      expect(await storedIncidents(targetUrl, ids)).toEqual(before);

      // And back again: Redis → SQLite gives the same lines (the history mark apart).
      const back = await runCli(['export'], env(targetUrl));
      expect(back.code).toBe(0);
      const sortById = (list: Incident[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(sortById(lines(back.stdout)).map(withoutHistory)).toEqual(sortById(lines(exported.stdout)).map(withoutHistory));
    }, 90_000);
  });

  it('reports bad lines by number, imports the good ones, and exits 1', async () => {
    const [first, second] = family.map(incidentToLine);
    const { firstSeen: _, ...noFirstSeen } = family[3]!;
    const file = path.join(dir, 'bad.jsonl');
    await writeFile(
      file,
      Buffer.concat([
        Buffer.from(
          [
            first, // 1
            '{"id": "i-broken", "title": ', // 2: not JSON
            JSON.stringify(noFirstSeen), // 3: a field missing
            JSON.stringify({ ...family[4]!, lastSeen: 'letzte Woche' }), // 4: a bad date
            JSON.stringify({ ...family[5]!, id: 'i/../../secret' }), // 5: a bad id
            '', // 6: blank, skipped
            JSON.stringify({ ...family[6]!, summary: 'x'.repeat(1_200_000) }), // 7: longer than 1 MB
          ].join('\n') + '\n',
        ),
        Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), // 8: not UTF-8
        Buffer.from(`${second}\r\n`), // 9: CRLF
        Buffer.from(first!), // 10: line 1 again, without a final newline
      ]),
    );
    const targetUrl = `sqlite://${path.join(dir, 'bad-target.sqlite')}`;
    const run = await runCli(['import', file], env(targetUrl));
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([
      'line 2: the line is not valid JSON',
      'line 3: firstSeen is missing',
      'line 4: lastSeen must be a date such as 2026-11-10T08:00:00.000Z',
      'line 5: id must be a plain id of 1 to 100 letters, digits and . _ : ~ -',
      'line 7: the line is longer than 1048576 bytes',
      'line 8: the line is not valid UTF-8',
    ]);
    expect(run.stdout).toBe('imported 2 new, 0 updated, 1 unchanged, 6 bad lines\n');
    const stored = await storedIncidents(targetUrl, family.map((incident) => incident.id));
    expect(stored.map((incident) => incident?.id)).toEqual([family[0]!.id, family[1]!.id, undefined, undefined, undefined, undefined, undefined]);
  }, 30_000);

  it.each([
    [['import'], 2, /import takes one file written by export/],
    [['import', 'a.jsonl', 'b.jsonl'], 2, /import takes one file written by export/],
    [['export', '--company'], 2, /argument missing/],
    [['export', 'amazon'], 2, /Unexpected argument 'amazon'/],
    [['import', 'does-not-exist.jsonl'], 1, /^privacy-radar: cannot read does-not-exist\.jsonl: no such file\n$/],
  ])('refuses %j with exit code %i', async (args, code, message) => {
    const run = await runCli(args, env(`sqlite://${path.join(dir, 'untouched.sqlite')}`));
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
  }, 30_000);
});

describe('import internals', () => {
  const collect = async (chunks: (string | Buffer)[], maxBytes: number): Promise<InputLine[]> => {
    const found: InputLine[] = [];
    for await (const line of readLines(chunks, maxBytes)) found.push(line);
    return found;
  };

  it('splits lines across chunk boundaries: CRLF, characters of several bytes, a last line without newline', async () => {
    const umlaut = Buffer.from('ü');
    const chunks = ['eins\r', '\nzw', Buffer.concat([Buffer.from('ei '), umlaut.subarray(0, 1)]), Buffer.concat([umlaut.subarray(1), Buffer.from('\n\ndrei')])];
    expect(await collect(chunks, 100)).toEqual([
      { number: 1, text: 'eins' },
      { number: 2, text: 'zwei ü' },
      { number: 3, text: '' },
      { number: 4, text: 'drei' },
    ]);
  });

  it('reports a line longer than the bound, even spread over many chunks, and reads on after it', async () => {
    const chunks = ['kurz\n', ...Array.from({ length: 50 }, () => 'x'.repeat(7)), '\nwieder kurz\n'];
    expect(await collect(chunks, 64)).toEqual([
      { number: 1, text: 'kurz' },
      { number: 2, problem: 'the line is longer than 64 bytes' },
      { number: 3, text: 'wieder kurz' },
    ]);
  });

  it('never marks a stored incident as history, and never grows its sources past the bound', () => {
    const [news] = amazonFamily().slice(2);
    const many = Array.from({ length: MAX_SOURCES + 5 }, (_, n) => ({ ...news!.sources[0]!, articleKey: `u:many-${n}` }));
    const merged = mergeIncident(news!, { ...news!, sources: many });
    expect(merged.history).toBeUndefined();
    expect(merged.sources).toHaveLength(MAX_SOURCES);
    expect(merged.sources[0]).toEqual(news!.sources[0]);
    expect(mergeIncident(merged, { ...news!, sources: many })).toEqual(merged);
    expect(asImported(news!)).toEqual({ ...news!, history: true });
  });
});
