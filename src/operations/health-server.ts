import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv6, type AddressInfo } from 'node:net';
import type { Logger } from '../log.ts';
import type { HealthReport } from './check-health.ts';
import { EXPOSITION_CONTENT_TYPE } from './metrics.ts';

export interface HealthServerOptions {
  host: string;
  /** 0: any free port (`url` names the one chosen). */
  port: number;
  /** Answers `/healthz` (see createHealthCheck). */
  checkHealth: () => Promise<HealthReport>;
  /** Answers `/metrics` with exposition text (see createRadarMetrics). */
  renderMetrics: () => Promise<string>;
  log: Logger;
}

export interface HealthServer {
  /** `http://host:port`, for the start-up log line. */
  readonly url: string;
  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void>;
}

/** Bounds on a request: probes and scrapes are small and quick; a client that dawdles is cut off. */
const HEADERS_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The operations endpoints, for orchestrators and Prometheus: `GET /healthz` (200 when healthy, 503 otherwise,
 * a JSON body naming what is down) and `GET /metrics` (Prometheus text). HEAD works as GET without a body; other
 * methods get 405 and other paths 404. Answers carry check names and numbers only — never an error message, a
 * stack trace or a setting — because the port may be reachable by more people than the logs are.
 *
 * Rejects with a one-line message when it cannot listen (port taken, address not local).
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = http.createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS }, (request, response) => {
    handle(request, response, options).catch((error: unknown) => {
      options.log.error({ err: error, path: pathOf(request).slice(0, 200) }, 'health server: request failed');
      if (!response.headersSent) answer(request, response, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new Error(`could not serve health checks on ${options.host}:${options.port} (HEALTH_HOST, HEALTH_PORT): ${error.code ?? error.message}`));
    });
    server.listen(options.port, options.host, () => resolve());
  });
  server.on('error', (error) => options.log.error({ err: error }, 'health server error'));
  let closing: Promise<void> | undefined;
  return {
    url: `http://${isIPv6(options.host) ? `[${options.host}]` : options.host}:${(server.address() as AddressInfo).port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, options: HealthServerOptions): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    answer(request, response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    return;
  }
  switch (pathOf(request)) {
    case '/healthz': {
      const report = await options.checkHealth();
      const body = report.healthy ? { status: 'ok', checks: report.checks } : { status: 'down', down: report.down, checks: report.checks };
      answer(request, response, report.healthy ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
      return;
    }
    case '/metrics':
      answer(request, response, 200, EXPOSITION_CONTENT_TYPE, await options.renderMetrics());
      return;
    default:
      answer(request, response, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
}

/** The path without the query string (probes sometimes add one). */
function pathOf(request: IncomingMessage): string {
  return (request.url ?? '').split('?', 1)[0] ?? '';
}

function answer(request: IncomingMessage, response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}
