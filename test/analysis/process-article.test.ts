import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyser } from '../../src/analysis/analyse-article.ts';
import { loadGazetteer } from '../../src/analysis/company-gazetteer.ts';
import { createInMemoryIncidentIndex } from '../../src/analysis/group-incidents.ts';
import { createArticleProcessor } from '../../src/analysis/process-article.ts';
import { silentLogger } from '../../src/log.ts';
import type { FeedConfig } from '../../src/model/feed.ts';
import { newIncidentId } from '../../src/store/incident-repo.ts';
import { articleFixture } from '../support/article-fixture.ts';
import { startLlmServer, type LlmServer } from '../stand-ins/llm-server.ts';

/** From an ingested article to its incident, with the real analysis and an LLM stand-in on loopback. */

const feed: FeedConfig = { id: 'news', name: 'Beispiel-News', url: 'https://news.example/feed', language: 'de', scope: 'privacy', fullText: false, enabled: true };

const article = (key: string, title: string, text: string) => articleFixture(key, title, text);

const LEAK = article(
  'leak',
  'Datenleck bei der Techniker Krankenkasse: Versichertendaten offen im Netz',
  'Bei der Techniker Krankenkasse sind nach Angaben von Sicherheitsforschern die Daten von rund 40.000 Versicherten ungeschützt im Netz abrufbar gewesen. ' +
    'Die Krankenkasse bestätigte das Datenleck und informierte die Datenschutzbehörde. Betroffene sollen per Brief informiert werden.',
);
const LAUNCH = article('launch', 'Techniker Krankenkasse startet neue App für Bonusprogramm', 'Die Krankenkasse hat eine neue App vorgestellt. Sie soll das Bonusprogramm vereinfachen und ab Januar verfügbar sein.');

describe('createArticleProcessor', () => {
  let llm: LlmServer;
  beforeAll(async () => {
    llm = await startLlmServer();
  });
  afterAll(async () => {
    await llm.close();
  });

  const processor = (withLlm: boolean) => {
    const gazetteer = loadGazetteer();
    const incidents = createInMemoryIncidentIndex();
    const started: string[] = [];
    const process = createArticleProcessor({
      onNewIncident: async (incident) => {
        started.push(incident.id);
      },
      analyser: createAnalyser({ gazetteer }),
      incidents,
      gazetteer,
      newIncidentId,
      log: silentLogger,
      ...(withLlm ? { llm: { baseUrl: llm.baseUrl, model: 'test-model', timeoutMs: 2_000 } } : {}),
    });
    return { process, incidents, started };
  };

  it('files a privacy story under a new incident, once, however often it is handed over', async () => {
    const { process, incidents } = processor(false);
    const first = await process(LEAK, feed);
    expect(first.analysis.relevance.relevant).toBe(true);
    expect(first.assignment).toMatchObject({ isNew: true });
    expect(first.assignment!.incident.types[0]).toBe('breach');
    const again = await process({ ...LEAK, status: 'pending' }, feed);
    expect(again.assignment!.incident.id).toBe(first.assignment!.incident.id);
    expect(incidents.all()).toHaveLength(1);
    expect(incidents.all()[0]!.sources).toHaveLength(1);
  });

  it('announces a new incident started by a new article (again after a crash), and keeps the relevance', async () => {
    const { process, started } = processor(false);
    const first = await process(LEAK, feed);
    await process({ ...LEAK, status: 'pending' }, feed);
    expect(started).toEqual([first.assignment!.incident.id, first.assignment!.incident.id]);
    expect(first.assignment!.incident.relevance).toBe(first.analysis.relevance.score);
  });

  it('files but does not announce what a feed\'s first poll found (history)', async () => {
    const { process, started, incidents } = processor(false);
    await process({ ...LEAK, announce: false }, feed);
    expect(incidents.all()).toHaveLength(1);
    expect(started).toEqual([]);
  });

  it('does not file what is not a privacy story', async () => {
    const { process, incidents } = processor(false);
    const result = await process(LAUNCH, feed);
    expect(result.analysis.relevance.relevant).toBe(false);
    expect(result.assignment).toBeUndefined();
    expect(incidents.all()).toHaveLength(0);
  });

  it('uses the LLM summary when the endpoint answers well', async () => {
    const answer = 'Bei der Techniker Krankenkasse lagen Daten von rund 40.000 Versicherten offen im Netz. Die Kasse hat die Datenschutzbehörde informiert.';
    llm.behave({ kind: 'answer', content: answer });
    const { process } = processor(true);
    const result = await process(LEAK, feed);
    expect(result.assignment!.incident.summary).toBe(answer);
    expect(llm.requests.at(-1)?.body?.model).toBe('test-model');
  });

  it('falls back to the extractive summary when the endpoint fails', async () => {
    llm.behave({ kind: 'status', status: 500 });
    const { process } = processor(true);
    const withFailure = await process(LEAK, feed);
    const offline = await processor(false).process(LEAK, feed);
    expect(withFailure.assignment!.incident.summary).toBe(offline.assignment!.incident.summary);
    expect(withFailure.assignment!.incident.summary.length).toBeGreaterThan(0);
  });
});
