import { describe, expect, it } from 'vitest';
import { buildGazetteer, loadGazetteer } from '../../src/analysis/company-gazetteer.ts';

describe('loadGazetteer: the shipped data', () => {
  const gazetteer = loadGazetteer();

  it('loads, validated, with at least 160 companies, and is cached', () => {
    expect(gazetteer.companies.length).toBeGreaterThanOrEqual(160);
    expect(loadGazetteer()).toBe(gazetteer);
  });

  it('follows parent chains nearest first', () => {
    expect(gazetteer.ancestors('ring')).toEqual(['amazon']);
    expect(gazetteer.ancestors('youtube')).toEqual(['google', 'alphabet']);
    expect(gazetteer.ancestors('o2')).toEqual(['telefonica-deutschland', 'telefonica']);
    expect(gazetteer.ancestors('instagram')).toEqual(['meta']);
    expect(gazetteer.ancestors('whatsapp')).toEqual(['meta']);
    expect(gazetteer.ancestors('linkedin')).toEqual(['microsoft']);
    expect(gazetteer.ancestors('temu')).toEqual(['pdd']);
    expect(gazetteer.ancestors('amazon')).toEqual([]);
    expect(gazetteer.ancestors('no-such-company')).toEqual([]);
  });

  it('lists subsidiaries at any depth', () => {
    expect(gazetteer.descendants('telefonica')).toEqual(expect.arrayContaining(['telefonica-deutschland', 'o2']));
    expect(gazetteer.descendants('alphabet')).toEqual(expect.arrayContaining(['google', 'youtube', 'waymo']));
    expect(gazetteer.descendants('amazon')).toEqual(expect.arrayContaining(['ring', 'alexa', 'aws', 'twitch']));
    expect(gazetteer.descendants('ring')).toEqual([]);
  });

  it('returns copies, so callers cannot corrupt the cache', () => {
    gazetteer.ancestors('o2').push('oops');
    expect(gazetteer.ancestors('o2')).toEqual(['telefonica-deutschland', 'telefonica']);
  });

  it('keeps Facebook as an alias of Meta (its former name and brand)', () => {
    expect(gazetteer.get('facebook')).toBeUndefined();
    expect(gazetteer.get('meta')?.aliases).toContain('Facebook');
    expect(gazetteer.get('o2')?.aliases).toContain('O2 Telefónica');
    expect(gazetteer.get('telefonica')?.aliases).toContain('Telefonica');
  });

  it('marks names that are ordinary words, letters or first names as ambiguous', () => {
    for (const id of ['apple', 'x', 'ring', 'zoom', 'meta', 'signal', 'alexa', 'otto', 'threads', 'bolt', 'flink']) {
      expect(gazetteer.get(id)?.ambiguous, id).toBe(true);
    }
    // Amazon the river (German: Amazonas) does not turn up in privacy news; Amazon the company does, often
    // with no cue word near it ("Bußgeld gegen Amazon").
    for (const id of ['google', 'whatsapp', 'deutsche-telekom', 'o2', 'zalando', 'amazon']) {
      expect(gazetteer.get(id)?.ambiguous, id).toBeUndefined();
    }
  });

  it('uses lowercase slugs and leaves authorities out', () => {
    for (const company of gazetteer.companies) expect(company.id).toMatch(/^[a-z0-9][a-z0-9-]*$/);
    expect(gazetteer.get('europol')).toBeUndefined();
    expect(gazetteer.get('bsi')).toBeUndefined();
  });
});

describe('buildGazetteer: broken data fails with the entry named', () => {
  const entry = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: id.toUpperCase(), aliases: [], sector: 'test', ...extra });

  it('rejects duplicate ids', () => {
    expect(() => buildGazetteer({ companies: [entry('acme'), entry('acme')] })).toThrow(/duplicate id "acme"/);
  });

  it('rejects a parent that is not an entry', () => {
    expect(() => buildGazetteer({ companies: [entry('acme', { parent: 'ghost' })] })).toThrow(/"acme" names parent "ghost"/);
  });

  it('rejects cycles in parent chains', () => {
    const data = { companies: [entry('a', { parent: 'c' }), entry('b', { parent: 'a' }), entry('c', { parent: 'b' })] };
    expect(() => buildGazetteer(data)).toThrow(/parent chain of "a" is a cycle/);
  });

  it('rejects names that collide between entries, ignoring case, accents and punctuation', () => {
    const data = { companies: [entry('acme', { aliases: ['Acmé Corp'] }), entry('other', { aliases: ['ACME-CORP'] })] };
    expect(() => buildGazetteer(data)).toThrow(/"ACME-CORP" of "other" collides with a name of "acme"/);
  });

  it('rejects malformed entries and unknown fields', () => {
    expect(() => buildGazetteer({ companies: [entry('Bad Id')] })).toThrow(/companies.json is invalid/);
    expect(() => buildGazetteer({ companies: [entry('acme', { colour: 'red' })] })).toThrow(/companies.json is invalid/);
    expect(() => buildGazetteer([])).toThrow(/companies.json is invalid/);
  });

  it('accepts a small valid gazetteer', () => {
    const gazetteer = buildGazetteer({ companies: [entry('parent'), entry('child', { parent: 'parent' })] });
    expect(gazetteer.descendants('parent')).toEqual(['child']);
    expect(gazetteer.get('child')?.name).toBe('CHILD');
  });
});
