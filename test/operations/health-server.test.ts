import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { createHealthCheck, type HealthReport } from '../../src/operations/check-health.ts';
import { startHealthServer, type HealthServer } from '../../src/operations/health-server.ts';
import type { Collection } from '../../src/store/collection.ts';
import { openStore, type Store } from '../../src/store/open-store.ts';

/** A plain request (fetch cannot send arbitrary methods such as TRACE); resolves with status, headers and body. */
function request(url: string, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .request(url, { method }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      })
      .on('error', reject)
      .end();
  });
}

const HEALTHY: HealthReport = { healthy: true, checks: { store: 'ok', discord: 'ok' }, down: [] };

describe('health server', () => {
  let server: HealthServer;
  let report: HealthReport = HEALTHY;
  let metricsFail = false;

  beforeAll(async () => {
    server = await startHealthServer({
      host: '127.0.0.1',
      port: 0,
      checkHealth: async () => report,
      renderMetrics: async () => {
        if (metricsFail) throw new Error('secret-connection-string at /srv/app/store.ts:12');
        return '# HELP x X.\n# TYPE x gauge\nx 1\n';
      },
      log: silentLogger,
    });
  });
  afterAll(() => server?.close());
  afterEach(() => {
    report = HEALTHY;
    metricsFail = false;
  });

  it('answers /healthz 200 with the checks while healthy, 503 naming what is down otherwise', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ok = await request(`${server.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(ok.body)).toEqual({ status: 'ok', checks: { store: 'ok', discord: 'ok' } });
    report = { healthy: false, checks: { store: 'ok', discord: 'down' }, down: ['discord'] };
    const down = await request(`${server.url}/healthz?probe=1`);
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toEqual({ status: 'down', down: ['discord'], checks: { store: 'ok', discord: 'down' } });
  });

  it('serves /metrics as Prometheus text', async () => {
    const metrics = await request(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(metrics.body).toBe('# HELP x X.\n# TYPE x gauge\nx 1\n');
  });

  it('answers HEAD like GET without a body, other methods 405, other paths 404', async () => {
    const head = await request(`${server.url}/healthz`, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(head.body).toBe('');
    for (const method of ['POST', 'DELETE', 'TRACE']) {
      const refused = await request(`${server.url}/healthz`, method);
      expect(refused.status, method).toBe(405);
      expect(refused.headers.allow).toBe('GET, HEAD');
    }
    for (const path of ['/', '/healthz/', '/metrics.txt', '/../etc/passwd']) {
      expect((await request(`${server.url}${path}`)).status, path).toBe(404);
    }
  });

  it('answers 500 without the error message or a stack trace when rendering fails', async () => {
    metricsFail = true;
    const failed = await request(`${server.url}/metrics`);
    expect(failed.status).toBe(500);
    expect(failed.body).toBe('internal error\n');
  });

  it('says which setting to fix when the port is taken', async () => {
    const port = Number(new URL(server.url).port);
    await expect(startHealthServer({ host: '127.0.0.1', port, checkHealth: async () => HEALTHY, renderMetrics: async () => '', log: silentLogger })).rejects.toThrow(
      `could not serve health checks on 127.0.0.1:${port} (HEALTH_HOST, HEALTH_PORT): EADDRINUSE`,
    );
  });
});

describe('health check', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore('sqlite://:memory:');
  });
  afterAll(() => store?.close());

  it('is healthy when the store round trip works and every configured platform is connected', async () => {
    const check = createHealthCheck({ store, platformStatus: () => ({ discord: true, matrix: true }), log: silentLogger });
    expect(await check()).toEqual({ healthy: true, checks: { store: 'ok', discord: 'ok', matrix: 'ok' }, down: [] });
    expect(await store.collection('health').get('probe')).toMatchObject({ at: expect.any(String) });
  });

  it('names each platform that is not connected', async () => {
    const check = createHealthCheck({ store, platformStatus: () => ({ discord: true, matrix: false }), log: silentLogger });
    expect(await check()).toEqual({ healthy: false, checks: { store: 'ok', discord: 'ok', matrix: 'down' }, down: ['matrix'] });
  });

  it('counts a store that does not answer in time as down, and shares one round trip among concurrent checks', async () => {
    let writes = 0;
    const hanging: Collection<unknown> = {
      get: () => new Promise(() => {}),
      getMany: () => new Promise(() => {}),
      set: () => {
        writes++;
        return new Promise(() => {});
      },
      setMany: () => new Promise(() => {}),
      delete: () => new Promise(() => {}),
      has: () => new Promise(() => {}),
    };
    const check = createHealthCheck({
      store: { collection: <T>() => hanging as Collection<T> },
      platformStatus: () => ({ discord: true }),
      log: silentLogger,
      storeTimeoutMs: 50,
    });
    const [first, second] = await Promise.all([check(), check()]);
    expect(first).toEqual({ healthy: false, checks: { store: 'down', discord: 'ok' }, down: ['store'] });
    expect(second).toBe(first);
    expect(writes).toBe(1);
  });

  it('counts a closed store as down', async () => {
    const closed = await openStore('sqlite://:memory:');
    await closed.close();
    const check = createHealthCheck({ store: closed, platformStatus: () => ({}), log: silentLogger });
    expect(await check()).toEqual({ healthy: false, checks: { store: 'down' }, down: ['store'] });
  });
});
