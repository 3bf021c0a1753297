import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.ts';

function capture(): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  return { stream, text: () => out };
}

describe('createLogger', () => {
  const hostile = 'not a valid URL: \u001b]0;pwned\u0007 \u202eevil';

  it('pretty: a message quoting untrusted text cannot drive the terminal', async () => {
    const { stream, text } = capture();
    createLogger('info', 'pretty', stream).warn({ feed: 'x\u001b[2J' }, hostile);
    await new Promise((r) => setTimeout(r, 20));
    expect(text()).toContain('not a valid URL:');
    expect(text()).toContain('pwned');
    expect(text()).not.toContain('\u001b]0;');
    expect(text()).not.toContain('\u0007');
    expect(text()).not.toContain('\u202e');
    expect(text()).not.toContain('\u001b[2J');
  });

  it('json: one escaped JSON object per line', async () => {
    const { stream, text } = capture();
    createLogger('info', 'json', stream).warn({ feed: 'golem' }, hostile);
    await new Promise((r) => setTimeout(r, 20));
    const line = JSON.parse(text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: hostile, feed: 'golem', level: 40 });
    expect(text()).not.toContain('\u001b');
  });
});
