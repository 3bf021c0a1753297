import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.ts';
import { MAX_UNKNOWN_COMPANIES } from '../../src/store/unknown-company-repo.ts';

describe('unknown company record (SQLite)', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore(`sqlite://${path.join(await mkdtemp(path.join(tmpdir(), 'unknown-')), 'x.sqlite')}`);
  });
  afterEach(async () => {
    await store.close();
  });

  const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T08:00:00.000Z`;

  it('counts each name once per article, most frequent first, and survives a reopen', async () => {
    const gmbh = { name: 'Beispiel Data GmbH', evidence: 'legal form GmbH' };
    const konzern = { name: 'Fantasia', evidence: 'der Konzern' };
    await store.unknownCompanies.record([gmbh, konzern], { key: 'a1', url: 'https://news.example/a1', at: at(1) });
    await store.unknownCompanies.record([gmbh], { key: 'a2', url: 'https://news.example/a2', at: at(2) });
    await store.unknownCompanies.record([gmbh], { key: 'a2', url: 'https://news.example/a2', at: at(2) }); // handed over again
    await store.unknownCompanies.record([{ name: '  beispiel   data gmbh ', evidence: 'legal form GmbH' }], { key: 'a3', url: '', at: at(3) });
    const top = await store.unknownCompanies.top(10);
    expect(top.map((r) => [r.name, r.count])).toEqual([
      ['Beispiel Data GmbH', 3],
      ['Fantasia', 1],
    ]);
    expect(top[0]).toMatchObject({ firstSeen: at(1), lastSeen: at(3), exampleUrl: 'https://news.example/a2', evidence: 'legal form GmbH' });
    expect(await store.unknownCompanies.top(1)).toHaveLength(1);
  });

  it('stays bounded: the rarest names make room', async () => {
    await store.unknownCompanies.record([{ name: 'Häufig AG', evidence: 'legal form AG' }], { key: 'h1', url: '', at: at(1) });
    await store.unknownCompanies.record([{ name: 'Häufig AG', evidence: 'legal form AG' }], { key: 'h2', url: '', at: at(2) });
    const many = Array.from({ length: MAX_UNKNOWN_COMPANIES + 20 }, (_, i) => ({ name: `Firma ${i} GmbH`, evidence: 'legal form GmbH' }));
    await store.unknownCompanies.record(many, { key: 'bulk', url: '', at: at(3) });
    const top = await store.unknownCompanies.top(10_000);
    expect(top).toHaveLength(MAX_UNKNOWN_COMPANIES);
    expect(top[0]).toMatchObject({ name: 'Häufig AG', count: 2 });
  });
});
