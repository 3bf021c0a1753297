import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Analysis, Incident } from '../../src/model/analysis.ts';
import type { AnalysisModules } from '../../src/analysis/evaluate/analysis-modules.ts';
import { binaryCounts, compareSets, precisionRecall } from '../../src/analysis/evaluate/classification-metrics.ts';
import { leadSummary, splitLeadSentences } from '../../src/analysis/evaluate/lead-baseline.ts';
import { loadLabelledSet, parseLabelledSet, type LabelledItem } from '../../src/analysis/evaluate/labelled-set.ts';
import { pairwiseGrouping } from '../../src/analysis/evaluate/pairwise-grouping.ts';
import { longestCommonSubsequence, rougeL, rougeN, rougeTokens } from '../../src/analysis/evaluate/rouge.ts';
import { formatReport, runEvaluation } from '../../src/analysis/evaluate/run-evaluation.ts';

const labelledDir = path.resolve(import.meta.dirname, 'labelled');

describe('ROUGE', () => {
  it('tokenises lowercase letters and digits, splitting at punctuation', () => {
    expect(rougeTokens('Datenleck-Bußgeld, 3,5 Mio. Ärger!')).toEqual(['datenleck', 'bußgeld', '3', '5', 'mio', 'ärger']);
  });

  it('ROUGE-1 and ROUGE-2 on a hand-counted pair', () => {
    // the cat sat on the mat / the cat was on the mat: unigrams 5 of 6 shared; bigrams the-cat, on-the, the-mat: 3 of 5.
    const r1 = rougeN('The cat sat on the mat.', 'the cat was on the mat', 1);
    expect(r1.precision).toBeCloseTo(5 / 6);
    expect(r1.recall).toBeCloseTo(5 / 6);
    expect(r1.f1).toBeCloseTo(5 / 6);
    expect(rougeN('The cat sat on the mat.', 'the cat was on the mat', 2).f1).toBeCloseTo(0.6);
  });

  it('clips repeated n-grams to their count in the reference', () => {
    // "the" three times against one "the": overlap 1, P 1/3, R 1/2, F1 0.4.
    const r = rougeN('the the the', 'the cat', 1);
    expect(r.precision).toBeCloseTo(1 / 3);
    expect(r.recall).toBeCloseTo(1 / 2);
    expect(r.f1).toBeCloseTo(0.4);
  });

  it('ROUGE-L from the longest common subsequence', () => {
    expect(longestCommonSubsequence([...'ABCBDAB'], [...'BDCABA'])).toBe(4);
    expect(rougeL('The cat sat on the mat.', 'the cat was on the mat').f1).toBeCloseTo(5 / 6);
    // Order matters for L but not for ROUGE-1: "mat the" vs "the mat" share one in sequence.
    const swapped = rougeL('mat the', 'the mat');
    expect(swapped.f1).toBeCloseTo(0.5);
    expect(rougeN('mat the', 'the mat', 1).f1).toBeCloseTo(1);
  });

  it('scores 0 for an empty candidate or reference instead of dividing by zero', () => {
    expect(rougeN('', 'a reference', 1).f1).toBe(0);
    expect(rougeL('a candidate', '').f1).toBe(0);
  });
});

describe('precision, recall and set comparison', () => {
  it('computes P/R/F1 from counts', () => {
    const r = precisionRecall({ truePositives: 3, falsePositives: 1, falseNegatives: 2 });
    expect(r.precision).toBeCloseTo(0.75);
    expect(r.recall).toBeCloseTo(0.6);
    expect(r.f1).toBeCloseTo(2 / 3);
  });

  it('scores an empty denominator as 1, so a silent system still fails on the other figure', () => {
    const silent = precisionRecall({ truePositives: 0, falsePositives: 0, falseNegatives: 4 });
    expect(silent.precision).toBe(1);
    expect(silent.recall).toBe(0);
    expect(silent.f1).toBe(0);
  });

  it('compares sets, leaving excused predictions out of the count', () => {
    expect(compareSets(['ring', 'amazon', 'google'], ['ring', 'x'])).toEqual({ truePositives: 1, falsePositives: 2, falseNegatives: 1 });
    expect(compareSets(['ring', 'amazon'], ['ring'], (id) => id === 'amazon')).toEqual({ truePositives: 1, falsePositives: 0, falseNegatives: 0 });
  });

  it('counts binary outcomes with true as the positive class', () => {
    const counts = binaryCounts([
      { predicted: true, expected: true },
      { predicted: true, expected: false },
      { predicted: false, expected: true },
      { predicted: false, expected: false },
    ]);
    expect(counts).toEqual({ truePositives: 1, falsePositives: 1, falseNegatives: 1 });
  });
});

describe('pairwise grouping', () => {
  it('counts pairs put together against pairs that belong together', () => {
    // Expected {0,1} {2,3}; predicted {0,1,2} {3}: pair 0-1 right, 0-2 and 1-2 wrongly merged, 2-3 wrongly split.
    const r = pairwiseGrouping(['a', 'a', 'b', 'b'], ['x', 'x', 'x', 'y']);
    expect([r.truePositives, r.falsePositives, r.falseNegatives]).toEqual([1, 2, 1]);
    expect(r.precision).toBeCloseTo(1 / 3);
    expect(r.recall).toBeCloseTo(1 / 2);
  });

  it('never pairs items that were put in no group', () => {
    const r = pairwiseGrouping(['a', 'a'], [undefined, undefined]);
    expect([r.truePositives, r.falsePositives, r.falseNegatives]).toEqual([0, 0, 1]);
    expect(r.recall).toBe(0);
  });

  it('rejects label lists of different length', () => {
    expect(() => pairwiseGrouping(['a'], [])).toThrow(/length/);
  });
});

describe('Lead-3 baseline', () => {
  const text =
    'Am 3. März meldete die Firma ein Leck. Betroffen sind z. B. Namen und Adressen. Die Firma prüft den Fall. Mehr folgt.';

  it('splits sentences but not after ordinals or single-letter abbreviations', () => {
    expect(splitLeadSentences(text)).toEqual([
      'Am 3. März meldete die Firma ein Leck.',
      'Betroffen sind z. B. Namen und Adressen.',
      'Die Firma prüft den Fall.',
      'Mehr folgt.',
    ]);
  });

  it('takes the first three sentences', () => {
    expect(leadSummary(text)).toBe('Am 3. März meldete die Firma ein Leck. Betroffen sind z. B. Namen und Adressen. Die Firma prüft den Fall.');
  });

  it('stops at the last sentence boundary within the limit', () => {
    expect(leadSummary(text, 3, 60)).toBe('Am 3. März meldete die Firma ein Leck.');
  });

  it('cuts an over-long first sentence at a word boundary', () => {
    const cut = leadSummary(`${'word '.repeat(100)}end.`, 3, 50);
    expect(cut.length).toBeLessThanOrEqual(50);
    expect(cut).toMatch(/^word( word)*…$/);
  });
});

describe('the labelled set', () => {
  const items = loadLabelledSet(labelledDir);

  it('is large, bilingual, sorted by publication time and covers every type at least twice', () => {
    expect(items.length).toBeGreaterThanOrEqual(90);
    const german = items.filter((i) => i.language === 'de').length;
    expect(german / items.length).toBeGreaterThan(0.5);
    expect(german / items.length).toBeLessThan(0.7);
    const times = items.map((i) => Date.parse(i.published));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const typeCounts = new Map<string, number>();
    for (const t of items.flatMap((i) => i.expected.types)) typeCounts.set(t, (typeCounts.get(t) ?? 0) + 1);
    expect(typeCounts.size).toBe(8);
    expect(Math.min(...typeCounts.values())).toBeGreaterThanOrEqual(2);
  });

  it('has at least 12 same-incident groups, five of them German+English', () => {
    const groups = new Map<string, LabelledItem[]>();
    for (const item of items) groups.set(item.expected.incident, [...(groups.get(item.expected.incident) ?? []), item]);
    const multi = [...groups.values()].filter((g) => g.length >= 2);
    expect(multi.length).toBeGreaterThanOrEqual(12);
    expect(multi.filter((g) => new Set(g.map((i) => i.language)).size === 2).length).toBeGreaterThanOrEqual(5);
  });

  it('rejects duplicate ids, unknown types, long summaries and mixed incident labels', () => {
    const [first] = items;
    if (!first) throw new Error('empty set');
    const bad = [
      first,
      { ...first, expected: { ...first.expected, types: ['gossip'], summary: 'x'.repeat(321) } },
      { ...first, id: 'other', expected: { ...first.expected, relevant: !first.expected.relevant, types: [] } },
    ];
    const error = (() => {
      try {
        parseLabelledSet([{ name: 'bad.json', content: bad }]);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(error).toMatch(/bad\.json: 1\.expected\.types\.0/);
    expect(error).toMatch(/bad\.json: 1\.expected\.summary/);
    const valid = [first, { ...first, id: 'other', expected: { ...first.expected, relevant: !first.expected.relevant, types: [] } }];
    expect(() => parseLabelledSet([{ name: 'a.json', content: [first] }, { name: 'b.json', content: [first] }])).toThrow(/duplicate id/);
    expect(() => parseLabelledSet([{ name: 'c.json', content: valid }])).toThrow(/mixes relevant and irrelevant/);
  });
});

/**
 * Stand-in analysis modules that answer from the labels themselves (an oracle) or say nothing (a silent
 * analyser): they check the runner's wiring and counting, not the real analysis.
 */
function standInModules(items: LabelledItem[], oracle: boolean): AnalysisModules {
  const byTitle = new Map(items.map((i) => [i.title, i]));
  const labelOf = new Map(items.map((i) => [i.id, i.expected.incident]));
  return {
    createAnalyser: () => ({
      analyse(input): Analysis {
        const item = byTitle.get(input.title)!;
        return {
          language: item.language,
          relevance: { relevant: oracle && item.expected.relevant, score: 1, cues: [] },
          companies: oracle ? item.expected.companies.map((id) => ({ id, name: id, ancestors: [], score: 1 })) : [],
          unknownCompanies: [],
          types: oracle ? item.expected.types : [],
          summary: oracle ? item.expected.summary : `${input.title}. ${'Füllwort '.repeat(60)}`,
        };
      },
    }),
    createInMemoryIncidentIndex: () => {
      const incidents = new Map<string, Incident>();
      return {
        candidates: async () => [...incidents.values()],
        get: async (id) => incidents.get(id),
        put: async (incident) => void incidents.set(incident.id, incident),
        all: () => [...incidents.values()],
      };
    },
    findSameIncident: async (candidate, index) =>
      (await index.candidates([], '')).find((incident) => labelOf.get(incident.id) === labelOf.get(candidate.articleKey)),
    loadGazetteer: () => ({ ancestors: (id) => (id === 'ring' ? ['amazon'] : []), descendants: () => [] }),
  };
}

describe('runEvaluation', () => {
  const items = loadLabelledSet(labelledDir);

  it('passes every target with an analysis that matches the labels', async () => {
    const report = await runEvaluation({ modules: standInModules(items, true), crossValidate: false });
    expect(report.items).toBe(items.length);
    for (const figure of [report.relevance, report.companies, report.types.multiLabel, report.grouping]) {
      expect(figure.precision).toBe(1);
      expect(figure.recall).toBe(1);
    }
    expect(report.types.primaryAccuracy).toBe(1);
    expect(report.summaries.system.rougeL).toBe(1);
    expect(report.summaries.lead3.rougeL).toBeLessThan(1);
    expect(report.grouping.predictedGroups).toBe(report.grouping.expectedGroups);
    expect(report.passed).toBe(true);
    expect(report.mistakes).toEqual([]);
    expect(formatReport(report)).not.toMatch(/FAIL/);
  });

  it('fails, naming each missed target, with an analysis that finds nothing', async () => {
    const report = await runEvaluation({ modules: standInModules(items, false), crossValidate: false });
    expect(report.passed).toBe(false);
    expect(report.relevance.recall).toBe(0);
    expect(report.companies.recall).toBe(0);
    expect(report.summaries.withinLimitShare).toBe(0);
    const failed = report.checks.filter((c) => !c.pass).map((c) => c.name);
    expect(failed).toEqual(expect.arrayContaining(['relevance recall', 'company F1', 'primary-type accuracy', 'grouping pairwise recall']));
    expect(formatReport(report, true)).toMatch(/FAIL {2}relevance recall[\s\S]*\[relevance\]/);
  });
});
