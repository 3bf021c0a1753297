import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rssFeed, serve, startFeedServer, status, type FeedServer } from '../stand-ins/feed-server.ts';
import { runCli } from '../support/run-cli.ts';

/** The `privacy-radar` command as an operator runs it: a child process, a feeds folder, a SQLite file. */

describe('privacy-radar CLI', () => {
  let server: FeedServer;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startFeedServer();
    dir = await mkdtemp(path.join(tmpdir(), 'cli-'));
    await mkdir(path.join(dir, 'feeds'));
    const feed = (id: string, extra: object = {}) =>
      writeFile(
        path.join(dir, 'feeds', `${id}.json`),
        JSON.stringify({ id, name: `Outlet ${id}`, url: server.url(`/${id}.xml`), language: 'de', scope: 'privacy', fullText: false, enabled: true, ...extra }),
      );
    await feed('eins');
    await feed('zwei', { language: 'en' });
    await feed('kaputt');
    await writeFile(path.join(dir, 'feeds', 'falsch.json'), '{"id": "falsch"}');
    server.route(
      '/eins.xml',
      serve(
        rssFeed({
          title: 'Eins',
          items: [
            { guid: 'e-1', title: 'Bußgeld gegen Versandhändler', link: 'https://eins.example/a?utm_medium=rss', description: 'Die Behörde verhängt ein Bußgeld wegen Datenschutzverstößen.', pubDate: new Date('2026-11-20T07:00:00Z') },
            { guid: 'e-2', title: 'Neue Tracking-Vorwürfe', link: 'https://eins.example/b', description: 'Forscher finden versteckte Tracker.', pubDate: new Date('2026-11-20T08:00:00Z') },
          ],
        }, { encoding: 'iso-8859-1' }),
        { etag: '"eins-1"', contentType: 'application/rss+xml' },
      ),
    );
    server.route('/zwei.xml', serve(rssFeed({ title: 'Two', items: [{ guid: 'z-1', title: 'Breach at a clinic', link: 'https://zwei.example/x', description: 'Patient records were exposed.' }] })));
    server.route('/kaputt.xml', status(500));
    // The feed server is on loopback, which the bot refuses to fetch from unless told otherwise.
    env = { FEEDS_DIR: path.join(dir, 'feeds'), STORE_URL: `sqlite://${path.join(dir, 'store.sqlite')}`, ALLOW_PRIVATE_FEEDS: 'true' };
  });

  afterAll(async () => {
    await server.close();
  });

  it('poll --once --json ingests every feed, reports broken ones, and a second run prints nothing new', async () => {
    const first = await runCli(['poll', '--once', '--json'], env);
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines.map((l) => l.id).sort()).toEqual(['e-1', 'e-2', 'z-1']);
    const bussgeld = lines.find((l) => l.id === 'e-1')!;
    expect(Object.keys(bussgeld).sort()).toEqual(['feed', 'id', 'language', 'published', 'text', 'title', 'url']);
    expect(bussgeld).toMatchObject({
      feed: 'eins',
      url: 'https://eins.example/a',
      title: 'Bußgeld gegen Versandhändler',
      published: '2026-11-20T07:00:00.000Z',
      language: 'de',
      text: 'Die Behörde verhängt ein Bußgeld wegen Datenschutzverstößen.',
    });
    expect(lines.find((l) => l.id === 'z-1')?.language).toBe('en');
    expect(first.stderr).toMatch(/FAIL\s+kaputt: HTTP 500/);
    expect(first.stderr).toMatch(/falsch\.json/);

    const second = await runCli(['poll', '--once', '--json'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('');
    expect(server.requestsTo('/eins.xml').at(-1)?.headers['if-none-match']).toBe('"eins-1"');
  });

  it('feeds check prints the health of every feed without ingesting', async () => {
    const fresh = { ...env, STORE_URL: `sqlite://${path.join(dir, 'check.sqlite')}` };
    const check = await runCli(['feeds', 'check', '--json'], fresh);
    expect(check.code).toBe(1);
    const rows = check.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.find((r) => r.id === 'eins')).toMatchObject({ ok: true, status: 200, items: 2 });
    expect(rows.find((r) => r.id === 'kaputt')).toMatchObject({ ok: false, status: 500, kind: 'http' });
    expect(rows.find((r) => r.file === 'falsch.json')).toMatchObject({ ok: false, kind: 'catalogue' });
    const poll = await runCli(['poll', '--once', '--json'], fresh);
    expect(poll.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('run prints cards, then shuts down cleanly on SIGTERM', async () => {
    const fresh = { ...env, STORE_URL: `sqlite://${path.join(dir, 'run.sqlite')}` };
    const run = await runCli(['run'], fresh, { untilStdout: /Breach at a clinic[\s\S]*\n\n/ });
    expect(run.stdout).toContain('■ Bußgeld gegen Versandhändler');
    expect(run.stdout).toContain('Outlet eins · 2026-11-20 · de');
    expect(run.stderr).toContain('shutting down');
    expect(run.stderr).toContain('"msg":"stopped"');
    expect(run.code).toBe(0);
  });

  it('stops with one clear line and exit code 2 on a bad setting', async () => {
    const bad = await runCli(['poll', '--once'], { ...env, POLL_CRON: 'sometimes' });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^privacy-radar: configuration error: POLL_CRON: expected a cron expression[^\n]*$/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('reads ./.env, and the environment wins over it', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'dotenv-'));
    await writeFile(path.join(folder, '.env'), 'POLL_CRON=now and then\nLOG_LEVEL=loud\n');
    const fromFile = await runCli(['poll', '--once'], { ...env, LOG_LEVEL: 'warn' }, { cwd: folder });
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toContain('POLL_CRON: expected a cron expression');
    const overridden = await runCli(['poll', '--once', '--json'], { ...env, LOG_LEVEL: 'warn', POLL_CRON: '*/5 * * * *' }, { cwd: folder });
    expect(overridden.code).toBe(0);
  });

  it('rejects unknown commands and options with usage, exit code 2', async () => {
    const unknown = await runCli(['frobnicate'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect(unknown.stderr).toContain('Usage:');
    const option = await runCli(['poll', '--once', '--loud'], env);
    expect(option.code).toBe(2);
  });
});
