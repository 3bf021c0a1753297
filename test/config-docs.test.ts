import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../src/config.ts';

/** The README and .env.example tell the truth about configuration: every variable the bot reads is in both. */
const root = path.resolve(import.meta.dirname, '..');
const envExample = readFileSync(path.join(root, '.env.example'), 'utf8');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

describe('configuration documentation', () => {
  it('lists every variable in .env.example', () => {
    const missing = CONFIG_VARIABLES.filter((name) => !new RegExp(`^#? ?${name}=`, 'm').test(envExample));
    expect(missing).toEqual([]);
  });

  it('names every variable in the README', () => {
    // FETCH_* limits are one row; other variables are named one by one.
    const missing = CONFIG_VARIABLES.filter((name) => !readme.includes(`\`${name}\``) && !(name.startsWith('FETCH_') && readme.includes('`FETCH_*`')));
    expect(missing).toEqual([]);
  });

  it('documents nothing the bot does not read', () => {
    const documented = [...envExample.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]!);
    expect(documented.filter((name) => !CONFIG_VARIABLES.includes(name))).toEqual([]);
  });
});
