/**
 * A loopback HTTP server that stands in for an OpenAI-compatible model server (`POST /v1/chat/completions`) in
 * tests, so no test ever reaches a real model or the internet.
 *
 * ```ts
 * const llm = await startLlmServer();
 * llm.behave({ kind: 'answer', content: 'Die Firma hat Daten verkauft. Die Behörde ermittelt.' });
 * // … summariseWithLlm(input, { baseUrl: llm.baseUrl, model: 'm', timeoutMs: 1000 }, fallback) …
 * llm.requests[0]?.body.messages; // what the code sent
 * await llm.close();
 * ```
 *
 * Behaviours cover a good answer, a slow one, an error status, a raw (e.g. malformed) body and a request that is
 * never answered. Every request is recorded with its headers and parsed JSON body.
 */
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { listenOnLoopback } from './loopback.ts';

export type LlmBehaviour =
  /** A well-formed chat completion whose message is `content`, after `delayMs` (default 0). */
  | { kind: 'answer'; content: string; delayMs?: number }
  /** The given status with a small JSON error body. */
  | { kind: 'status'; status: number }
  /** Status 200 with exactly this body and a JSON content type (for malformed or odd responses). */
  | { kind: 'raw'; body: string }
  /** Never answers; the connection stays open until the client gives up or the server closes. */
  | { kind: 'hang' };

export interface LlmRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The request body parsed as JSON (undefined if it was not JSON). */
  body: ChatRequestBody | undefined;
}

/** The parts of an OpenAI chat request the tests look at. */
export interface ChatRequestBody {
  model?: string;
  temperature?: number;
  messages?: { role: string; content: string }[];
}

export interface LlmServer {
  /** `http://127.0.0.1:<port>` — the base URL to configure (the client appends `/v1/chat/completions`). */
  readonly baseUrl: string;
  readonly requests: LlmRequest[];
  /** Sets how the next requests are answered (default: a short German answer). */
  behave(behaviour: LlmBehaviour): void;
  /** Stops listening and destroys every connection, hanging ones too. */
  close(): Promise<void>;
}

const DEFAULT_ANSWER = 'Die Firma hat Kundendaten an Dritte verkauft. Die Aufsichtsbehörde prüft den Fall.';

/** Starts the stand-in on 127.0.0.1 with a random free port. */
export async function startLlmServer(): Promise<LlmServer> {
  const requests: LlmRequest[] = [];
  let behaviour: LlmBehaviour = { kind: 'answer', content: DEFAULT_ANSWER };
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: parseJson(Buffer.concat(chunks).toString('utf8')),
      });
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        sendJson(res, 404, { error: { message: 'not found' } });
        return;
      }
      respond(behaviour, res, timers);
    });
  });
  const port = await listenOnLoopback(server);

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    behave(next) {
      behaviour = next;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function respond(behaviour: LlmBehaviour, res: http.ServerResponse, timers: Set<NodeJS.Timeout>): void {
  switch (behaviour.kind) {
    case 'answer': {
      const send = () => sendJson(res, 200, completion(behaviour.content));
      if (!behaviour.delayMs) return send();
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) send();
      }, behaviour.delayMs);
      timers.add(timer);
      return;
    }
    case 'status':
      return sendJson(res, behaviour.status, { error: { message: `status ${behaviour.status}` } });
    case 'raw':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(behaviour.body);
      return;
    case 'hang':
      return;
  }
}

/** A minimal OpenAI chat completion carrying `content`. */
function completion(content: string): object {
  return {
    id: 'chatcmpl-stand-in',
    object: 'chat.completion',
    created: 0,
    model: 'stand-in',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  };
}

function sendJson(res: http.ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function parseJson(text: string): ChatRequestBody | undefined {
  try {
    return JSON.parse(text) as ChatRequestBody;
  } catch {
    return undefined;
  }
}
