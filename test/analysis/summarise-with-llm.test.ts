import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SummaryInput } from '../../src/analysis/summarise-extractive.ts';
import { chatCompletionsUrl, LLM_INPUT_CHARS, summariseWithLlm, type LlmSettings } from '../../src/analysis/summarise-with-llm.ts';
import { startLlmServer, type LlmServer } from '../stand-ins/llm-server.ts';

const FALLBACK = 'Ein Händler hat Kundendaten verkauft. Das ist der extraktive Ersatz.';

const GERMAN_INPUT: SummaryInput = {
  title: 'Beispielfirma verkauft Kundendaten',
  text: 'Die Beispielfirma GmbH hat die Adressen von 20.000 Kunden an Werbefirmen verkauft. Die Aufsicht ermittelt.',
  language: 'de',
  companies: ['Beispielfirma'],
};

const GOOD_GERMAN = 'Die Beispielfirma hat Adressen von 20.000 Kunden an Werbefirmen verkauft. Die Aufsichtsbehörde ermittelt nun.';

describe('summariseWithLlm against the loopback stand-in', () => {
  let llm: LlmServer;
  let settings: LlmSettings;

  beforeAll(async () => {
    llm = await startLlmServer();
    settings = { baseUrl: llm.baseUrl, model: 'stand-in-model', timeoutMs: 2_000 };
  });
  afterAll(async () => {
    await llm.close();
  });
  beforeEach(() => {
    llm.requests.length = 0;
  });

  it('uses a good German answer and sends an OpenAI chat request', async () => {
    llm.behave({ kind: 'answer', content: GOOD_GERMAN });
    const result = await summariseWithLlm(GERMAN_INPUT, settings, FALLBACK);
    expect(result).toEqual({ summary: GOOD_GERMAN, source: 'llm' });

    const request = llm.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.body?.model).toBe('stand-in-model');
    expect(request?.body?.temperature).toBe(0.2);
    const [system, user] = request?.body?.messages ?? [];
    expect(system?.role).toBe('system');
    expect(system?.content).toMatch(/Deutsch/);
    expect(user?.role).toBe('user');
    expect(user?.content).toContain(GERMAN_INPUT.title);
    expect(user?.content).toContain('20.000 Kunden');
    expect(request?.headers.authorization).toBeUndefined();
  });

  it('asks for English for an English article and accepts an English answer', async () => {
    const answer = 'Example Corp sold the email addresses of 20,000 customers to advertisers. The regulator is investigating.';
    llm.behave({ kind: 'answer', content: answer });
    const input: SummaryInput = { title: 'Example Corp sold data', text: 'Example Corp sold data of its customers.', language: 'en' };
    const result = await summariseWithLlm(input, settings, FALLBACK);
    expect(result.source).toBe('llm');
    expect(result.summary).toBe(answer);
    expect(llm.requests[0]?.body?.messages?.[0]?.content).toMatch(/English/);
  });

  it('sends the API key as a bearer token', async () => {
    llm.behave({ kind: 'answer', content: GOOD_GERMAN });
    await summariseWithLlm(GERMAN_INPUT, { ...settings, apiKey: 'test-key-123' }, FALLBACK);
    expect(llm.requests[0]?.headers.authorization).toBe('Bearer test-key-123');
  });

  it('sends the title and at most the first ~6,000 characters of the text', async () => {
    llm.behave({ kind: 'answer', content: GOOD_GERMAN });
    const long = { ...GERMAN_INPUT, text: 'a'.repeat(LLM_INPUT_CHARS) + 'ENDE-MARKE'.repeat(1_000) };
    await summariseWithLlm(long, settings, FALLBACK);
    const user = llm.requests[0]?.body?.messages?.[1]?.content ?? '';
    expect(user).not.toContain('ENDE-MARKE');
    expect(user.length).toBeLessThanOrEqual(GERMAN_INPUT.title.length + 2 + LLM_INPUT_CHARS);
  });

  it('strips quotes around the whole answer and folds whitespace', async () => {
    llm.behave({ kind: 'answer', content: `  „${GOOD_GERMAN.replace(' ', '\n\n')}“ ` });
    const result = await summariseWithLlm(GERMAN_INPUT, settings, FALLBACK);
    expect(result).toEqual({ summary: GOOD_GERMAN, source: 'llm' });
  });

  const failures: { name: string; behaviour: Parameters<LlmServer['behave']>[0]; reason: RegExp }[] = [
    { name: 'a slow answer (time-out)', behaviour: { kind: 'answer', content: GOOD_GERMAN, delayMs: 1_500 }, reason: /timed out/ },
    { name: 'no answer at all (time-out)', behaviour: { kind: 'hang' }, reason: /timed out/ },
    { name: 'status 500', behaviour: { kind: 'status', status: 500 }, reason: /HTTP 500/ },
    { name: 'status 401', behaviour: { kind: 'status', status: 401 }, reason: /HTTP 401/ },
    { name: 'malformed JSON', behaviour: { kind: 'raw', body: '{"choices": [{"message": ' }, reason: /malformed JSON/ },
    { name: 'JSON of the wrong shape', behaviour: { kind: 'raw', body: '{"choices": []}' }, reason: /unexpected response shape/ },
    { name: 'an oversized body', behaviour: { kind: 'raw', body: `{"x":"${'x'.repeat(400_000)}"}` }, reason: /too large/ },
    { name: 'an empty answer', behaviour: { kind: 'answer', content: '  \n ' }, reason: /empty/ },
    { name: 'a too long answer', behaviour: { kind: 'answer', content: `${GOOD_GERMAN} `.repeat(4) }, reason: /too long/ },
    {
      name: 'an answer in the wrong language',
      behaviour: { kind: 'answer', content: 'The company sold the addresses of its customers to advertisers. The regulator is now investigating.' },
      reason: /not in German/,
    },
    { name: 'HTML markup', behaviour: { kind: 'answer', content: `<b>Die Firma</b> hat Daten verkauft. Die Behörde ermittelt.` }, reason: /markup/ },
    { name: 'a link', behaviour: { kind: 'answer', content: `${GOOD_GERMAN} Mehr unter https://example.invalid/x` }, reason: /link/ },
    { name: 'a mass mention', behaviour: { kind: 'answer', content: `@everyone ${GOOD_GERMAN}` }, reason: /mention/ },
    { name: 'a Discord user mention', behaviour: { kind: 'answer', content: `${GOOD_GERMAN} <@123456>` }, reason: /mention/ },
    { name: 'Markdown emphasis', behaviour: { kind: 'answer', content: `Die **Firma** hat Daten der Kunden verkauft. Die Behörde ermittelt.` }, reason: /markup/ },
  ];

  for (const { name, behaviour, reason } of failures) {
    it(`falls back to the extractive summary on ${name}`, async () => {
      llm.behave(behaviour);
      const result = await summariseWithLlm(GERMAN_INPUT, { ...settings, timeoutMs: 300 }, FALLBACK);
      expect(result.source).toBe('extractive');
      expect(result.summary).toBe(FALLBACK);
      expect(result.reason).toMatch(reason);
      expect(llm.requests.length).toBe(1);
    });
  }

  it('falls back when nothing listens at the address', async () => {
    const closed = await startLlmServer();
    const baseUrl = closed.baseUrl;
    await closed.close();
    const result = await summariseWithLlm(GERMAN_INPUT, { ...settings, baseUrl }, FALLBACK);
    expect(result.source).toBe('extractive');
    expect(result.summary).toBe(FALLBACK);
    expect(result.reason).toBeTruthy();
  });

  it('falls back on a base URL that is not a URL', async () => {
    const result = await summariseWithLlm(GERMAN_INPUT, { ...settings, baseUrl: 'not a url' }, FALLBACK);
    expect(result).toMatchObject({ source: 'extractive', summary: FALLBACK });
  });
});

describe('chatCompletionsUrl', () => {
  it('appends the OpenAI path, without doubling /v1', () => {
    expect(chatCompletionsUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/v1/chat/completions');
    expect(chatCompletionsUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/v1/chat/completions');
    expect(chatCompletionsUrl('http://127.0.0.1:11434/v1')).toBe('http://127.0.0.1:11434/v1/chat/completions');
    expect(chatCompletionsUrl('http://127.0.0.1:11434/v1/')).toBe('http://127.0.0.1:11434/v1/chat/completions');
  });
});
