import { createLimiter } from '../ingest/concurrency-limiter.ts';
import type { Logger } from '../log.ts';
import type { Analysis, Incident } from '../model/analysis.ts';
import type { FeedConfig } from '../model/feed.ts';
import type { Article } from '../model/item.ts';
import type { UnknownCompanyRepo } from '../store/unknown-company-repo.ts';
import type { Analyser } from './analyse-article.ts';
import { assignIncident, type Assignment, type IncidentSink } from './assign-incident.ts';
import type { Gazetteer } from './company-gazetteer.ts';
import { summariseWithLlm, type LlmSettings } from './summarise-with-llm.ts';

export interface ProcessedArticle {
  analysis: Analysis;
  /** Set for privacy stories: the incident the article was filed under. */
  assignment?: Assignment;
}

export interface ArticleProcessorDeps {
  analyser: Analyser;
  incidents: IncidentSink;
  gazetteer: Gazetteer;
  newIncidentId: (firstSeen: string, articleKey: string) => string;
  log: Logger;
  /** An OpenAI-compatible endpoint for better summaries; the extractive summary stands in on any failure. */
  llm?: LlmSettings;
  /** Where organisations the gazetteer does not know are counted, so the gazetteer can grow. */
  unknownCompanies?: UnknownCompanyRepo;
  /**
   * Runs filing one article at a time. Default: within this process. Instances sharing a store pass a store lock
   * (`store.exclusive`), so that two instances filing reports of one new incident cannot both open it.
   */
  serialise?: <T>(work: () => Promise<T>) => Promise<T>;
  /**
   * Called for an incident that an announced article made news (started it, or was the first news report of a story
   * known only from history), still inside `serialise`: delivery plans its alerts there, so
   * that a digest planned under the same lock either sees the alerts or does not see the incident yet.
   * Called again if the same article is handed over again after a crash (planning is idempotent).
   */
  onNewIncident?: (incident: Incident) => Promise<void>;
  /** The clock for `recordedAt` (the time of filing). Default: the system clock. */
  now?: () => Date;
}

/**
 * From an ingested article to an incident: analyse it, and file privacy stories under the same incident as
 * earlier reports or a new one. Filing runs one article at a time, so two reports of one new incident that
 * arrive in the same poll cycle (or at two instances) cannot both open it. Idempotent per article (see assignIncident). Organisations
 * the gazetteer does not know are counted for privacy stories, so operators can see which to add.
 */
export function createArticleProcessor(deps: ArticleProcessorDeps): (article: Article, feed: FeedConfig) => Promise<ProcessedArticle> {
  const limiter = createLimiter(1);
  const serialise = deps.serialise ?? (<T>(work: () => Promise<T>) => limiter.run(work));
  return async (article, feed) => {
    const extractive = deps.analyser.analyse({ title: article.title, text: article.text, language: article.language, scope: feed.scope });
    if (!extractive.relevance.relevant) return { analysis: extractive };
    const analysis = deps.llm ? await withLlmSummary(article, extractive, deps.llm, deps.log) : extractive;
    const assignment = await serialise(async () => {
      const filedAt = (deps.now ?? (() => new Date()))().toISOString();
      const filed = await assignIncident(article, analysis, feed.name, deps.incidents, deps.gazetteer, deps.newIncidentId, undefined, filedAt);
      await deps.unknownCompanies?.record(analysis.unknownCompanies, { key: article.key, url: article.url, at: article.published });
      // History a feed's first poll found is filed, not announced: no alerts about old news.
      if (filed.isNews) await deps.onNewIncident?.(filed.incident);
      return filed;
    });
    return { analysis, assignment };
  };
}

async function withLlmSummary(article: Article, analysis: Analysis, llm: LlmSettings, log: Logger): Promise<Analysis> {
  const input = { title: article.title, text: article.text, language: analysis.language, companies: analysis.companies.map((c) => c.name) };
  const result = await summariseWithLlm(input, llm, analysis.summary);
  if (result.source === 'extractive') log.debug({ article: article.key, reason: result.reason }, 'LLM summary not used');
  return { ...analysis, summary: result.summary };
}
