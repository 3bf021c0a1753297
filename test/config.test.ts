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
    expect(config.fetch.feedMaxBytes).toBe(2 * 1024 * 1024);
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

  it('refuses private feed addresses unless ALLOW_PRIVATE_FEEDS is true', () => {
    expect(loadConfig({}).fetch.allowPrivateAddresses).toBe(false);
    expect(loadConfig({ ALLOW_PRIVATE_FEEDS: 'false' }).fetch.allowPrivateAddresses).toBe(false);
    expect(loadConfig({ ALLOW_PRIVATE_FEEDS: 'true' }).fetch.allowPrivateAddresses).toBe(true);
    expect(() => loadConfig({ ALLOW_PRIVATE_FEEDS: 'yes' })).toThrowError(/^ALLOW_PRIVATE_FEEDS: expected one of true, false, got "yes"$/);
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

  it('turns Discord on with a token, and never echoes a malformed token', () => {
    expect(loadConfig({}).discord).toBeUndefined();
    const config = loadConfig({ DISCORD_TOKEN: 'MTIz.abc-def_ghi.jklmnopqrstuv', DISCORD_API_BASE: 'http://127.0.0.1:5555/api/', DISCORD_GUILD_ID: '123456789012345678' });
    expect(config.discord).toEqual({ token: 'MTIz.abc-def_ghi.jklmnopqrstuv', apiBase: 'http://127.0.0.1:5555/api', guildId: '123456789012345678' });
    expect(loadConfig({ DISCORD_TOKEN: 'MTIz.abc-def_ghi.jklmnopqrstuv' }).discord?.apiBase).toBe('https://discord.com/api');
    const secret = 'not a token but a secret with spaces';
    expect(() => loadConfig({ DISCORD_TOKEN: secret })).toThrow(/^DISCORD_TOKEN: expected a Discord bot token, got a value of 36 characters \(not shown: it is a secret\)$/);
    expect(() => loadConfig({ DISCORD_GUILD_ID: 'my-server' })).toThrow(/DISCORD_GUILD_ID/);
  });

  it('turns Matrix on with a homeserver, a user id and a token or password', () => {
    expect(loadConfig({}).matrix).toBeUndefined();
    const config = loadConfig({ MATRIX_HOMESERVER_URL: 'http://127.0.0.1:8008/', MATRIX_USER_ID: '@privacy-radar:example.org', MATRIX_ACCESS_TOKEN: 'syt_secret_token' });
    expect(config.matrix).toEqual({
      homeserverUrl: 'http://127.0.0.1:8008',
      userId: '@privacy-radar:example.org',
      accessToken: 'syt_secret_token',
      prefix: '!',
      allowedInviters: ['*:example.org'],
      managerPowerLevel: 50,
    });
    const withPassword = loadConfig({
      MATRIX_HOMESERVER_URL: 'https://matrix.example.org',
      MATRIX_USER_ID: '@bot:example.org',
      MATRIX_PASSWORD: 'hunter2',
      MATRIX_ALLOWED_INVITERS: '@alice:other.org, *:example.org',
      MATRIX_MANAGER_POWER_LEVEL: '100',
      MATRIX_COMMAND_PREFIX: '?',
    }).matrix;
    expect(withPassword).toMatchObject({ password: 'hunter2', allowedInviters: ['@alice:other.org', '*:example.org'], managerPowerLevel: 100, prefix: '?' });
    expect(() => loadConfig({ MATRIX_HOMESERVER_URL: 'https://matrix.example.org' })).toThrow(/MATRIX_USER_ID/);
    expect(() => loadConfig({ MATRIX_HOMESERVER_URL: 'https://matrix.example.org', MATRIX_USER_ID: '@bot:example.org' })).toThrow(/MATRIX_ACCESS_TOKEN/);
    expect(() => loadConfig({ MATRIX_ACCESS_TOKEN: 'has spaces in it' })).toThrow(/not shown: it is a secret/);
  });

  it('takes the default digest time zone by its IANA name, in any case', () => {
    expect(loadConfig({}).digestDefaultTimezone).toBe('Europe/Berlin');
    expect(loadConfig({ DIGEST_DEFAULT_TZ: 'america/new_york' }).digestDefaultTimezone).toBe('America/New_York');
    expect(() => loadConfig({ DIGEST_DEFAULT_TZ: 'Berlin' })).toThrow(/DIGEST_DEFAULT_TZ: expected an IANA time zone/);
  });

  it('takes the default digest time as HH:MM, and the instance settings for a shared store', () => {
    expect(loadConfig({}).digestDefaultTime).toBe('08:00');
    expect(loadConfig({ DIGEST_DEFAULT_TIME: '7' }).digestDefaultTime).toBe('07:00');
    expect(() => loadConfig({ DIGEST_DEFAULT_TIME: '25:00' })).toThrow(/DIGEST_DEFAULT_TIME/);
    expect(loadConfig({}).instance).toEqual({ leaseTtlMs: 60_000 });
    expect(loadConfig({ INSTANCE_ID: 'bot-1', LEASE_TTL_SECONDS: '10' }).instance).toEqual({ id: 'bot-1', leaseTtlMs: 10_000 });
    expect(() => loadConfig({ INSTANCE_ID: 'no spaces' })).toThrow(/INSTANCE_ID/);
  });

  it('rejects a back-off cap below its base', () => {
    expect(() => loadConfig({ BACKOFF_BASE_SECONDS: '600', BACKOFF_MAX_SECONDS: '60' })).toThrowError(/BACKOFF_MAX_SECONDS/);
  });
});
