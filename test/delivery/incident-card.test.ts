import { describe, expect, it } from 'vitest';
import { loadGazetteer } from '../../src/analysis/company-gazetteer.ts';
import { cardFromIncident } from '../../src/delivery/incident-card.ts';
import type { Incident } from '../../src/model/analysis.ts';

const incident: Incident = {
  id: 'i-1',
  companies: ['amazon', 'ring', 'google'],
  types: ['authority_access'],
  title: 'Ring gibt Videos an Polizei weiter',
  summary: 'Die Amazon-Tochter hat Aufnahmen herausgegeben.',
  language: 'de',
  firstSeen: '2026-11-20T09:30:00.000Z',
  lastSeen: '2026-11-21T09:30:00.000Z',
  sources: [
    { articleKey: 'u:1', url: 'https://a.example/ring', title: 'Ring …', outlet: 'Outlet A', feedId: 'a', published: '2026-11-20T09:30:00.000Z', language: 'de' },
    { articleKey: 'u:2', url: 'https://b.example/ring', title: 'Ring …', outlet: 'Outlet B', feedId: 'b', published: '2026-11-21T09:30:00.000Z', language: 'en' },
  ],
};

describe('cardFromIncident', () => {
  const card = cardFromIncident(incident, loadGazetteer());

  it('names companies with their parents, without repeating a parent a subsidiary already shows', () => {
    expect(card.companies).toEqual([
      { id: 'ring', name: 'Ring', parentName: 'Amazon' },
      { id: 'google', name: 'Google', parentName: 'Alphabet' },
    ]);
  });

  it('carries the first source, the first-seen date and the number of sources', () => {
    expect(card).toMatchObject({ incidentId: 'i-1', outlet: 'Outlet A', url: 'https://a.example/ring', published: incident.firstSeen, sourceCount: 2, types: ['authority_access'] });
  });
});
