import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig', () => {
  it('uses the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.storeUrl).toBe('sqlite://data/privacy-radar.sqlite');
    expect(config.feedsDir).toBe('./feeds');
    expect(config.pollCron).toBe('*/10 * * * *');
    expect(config.logLevel).toBe('info');
    expect(config.fetch.maxBytes).toBe(5 * 1024 * 1024);
    expect(config.userAgent).toMatch(/^privacy-radar\/\S+ \(\+https:\/\/\S+\)$/);
  });

  it('reads and coerces the environment; empty values count as unset', () => {
    const config = loadConfig({
      STORE_URL: 'redis://127.0.0.1:6390',
      POLL_CRON: '*/5 * * * *',
      FETCH_MAX_BYTES: '2048',
      USER_AGENT_CONTACT: 'mailto:ops@example.org',
      LOG_LEVEL: '',
    });
    expect(config.storeUrl).toBe('redis://127.0.0.1:6390');
    expect(config.pollCron).toBe('*/5 * * * *');
    expect(config.fetch.maxBytes).toBe(2048);
    expect(config.userAgent).toContain('(+mailto:ops@example.org)');
    expect(config.logLevel).toBe('info');
  });

  it.each([
    ['STORE_URL', 'mysql://x', /STORE_URL: expected a sqlite:\/\/, redis:\/\/ or postgres:\/\/ URL, got "mysql:\/\/x"/],
    ['POLL_CRON', 'every ten minutes', /POLL_CRON: expected a cron expression/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent/],
    ['FETCH_MAX_BYTES', 'lots', /FETCH_MAX_BYTES: expected a whole number/],
    ['FETCH_CONCURRENCY', '0', /FETCH_CONCURRENCY: expected a whole number of at least 1/],
    ['USER_AGENT_CONTACT', 'me', /USER_AGENT_CONTACT: expected a contact URL/],
  ])('names the variable and what it expects for a bad %s', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrowError(message);
  });

  it('configures the optional LLM summariser only with a base URL and a model', () => {
    expect(loadConfig({}).llm).toBeUndefined();
    expect(loadConfig({ LLM_BASE_URL: 'http://127.0.0.1:11434/v1', LLM_MODEL: 'llama3.1', LLM_API_KEY: 'k' }).llm).toEqual({
      baseUrl: 'http://127.0.0.1:11434/v1',
      model: 'llama3.1',
      apiKey: 'k',
      timeoutMs: 20_000,
    });
    expect(() => loadConfig({ LLM_BASE_URL: 'http://127.0.0.1:11434/v1' })).toThrowError(/^LLM_MODEL: expected a model name/);
  });

  it('rejects a back-off cap below its base', () => {
    expect(() => loadConfig({ BACKOFF_BASE_SECONDS: '600', BACKOFF_MAX_SECONDS: '60' })).toThrowError(/BACKOFF_MAX_SECONDS/);
  });
});
