import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

describe('HEALTH_PORT and HEALTH_HOST', () => {
  it('serve nothing unless HEALTH_PORT is set, and loopback by default', () => {
    expect(loadConfig({}).health).toBeUndefined();
    expect(loadConfig({ HEALTH_PORT: '' }).health).toBeUndefined();
    expect(loadConfig({ HEALTH_PORT: '9464' }).health).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({ HEALTH_PORT: '9464', HEALTH_HOST: '::1' }).health).toEqual({ host: '::1', port: 9464 });
    expect(loadConfig({ HEALTH_PORT: '9464', HEALTH_HOST: '0.0.0.0' }).health).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(loadConfig({ HEALTH_PORT: '9464', HEALTH_HOST: 'radar-1.internal' }).health).toEqual({ host: 'radar-1.internal', port: 9464 });
  });

  it('refuse what cannot be listened on, naming the variable', () => {
    expect(() => loadConfig({ HEALTH_PORT: '0' })).toThrow('HEALTH_PORT: expected a whole number of at least 1, got "0"');
    expect(() => loadConfig({ HEALTH_PORT: '65536' })).toThrow('HEALTH_PORT: expected a whole number of at most 65535');
    expect(() => loadConfig({ HEALTH_PORT: 'http' })).toThrow(/^HEALTH_PORT: expected a whole number/);
    expect(() => loadConfig({ HEALTH_PORT: '9464', HEALTH_HOST: 'http://0.0.0.0' })).toThrow(/^HEALTH_HOST: expected an IP address or host name/);
    expect(() => loadConfig({ HEALTH_PORT: '9464', HEALTH_HOST: 'a b' })).toThrow(/^HEALTH_HOST: /);
  });
});
