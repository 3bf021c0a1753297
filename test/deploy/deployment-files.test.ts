import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { parseStoreUrl } from '../../src/store/open-store.ts';

/**
 * The deployment files (Dockerfile, .dockerignore, docker-compose.yml, the systemd unit), checked statically:
 * no Docker engine runs where the tests run, so nothing here builds or starts an image. What can be derived from
 * the program — the files it loads at run time, its dependencies, where the default store lives — is derived,
 * so a new runtime folder or a devDependency imported at run time fails here instead of in production.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8');
const packageJson = JSON.parse(read('package.json')) as {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const entryPoint = Object.values(packageJson.bin)[0]!;
/** Variables that are secrets (src/config.ts): never written into a deployment file. */
const SECRETS = ['DISCORD_TOKEN', 'MATRIX_ACCESS_TOKEN', 'MATRIX_PASSWORD', 'LLM_API_KEY'];

// --- the program's run-time files ----------------------------------------------------------------------------

interface RuntimeImports {
  /** Files of this repository the program loads, relative to the repository root. */
  files: Set<string>;
  /** Packages it imports (bare specifiers, subpaths dropped). */
  packages: Set<string>;
}

const STATIC_IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^;'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
const URL_BESIDE_MODULE = /new URL\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g;

/** Follows imports (static, dynamic, JSON, `new URL(…, import.meta.url)`) from the `bin` entry point; type-only imports are erased, so they are skipped. */
function runtimeImports(): RuntimeImports {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [path.join(repoRoot, entryPoint)];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    const relative = path.relative(repoRoot, file);
    if (files.has(relative)) continue;
    if (!existsSync(file)) throw new Error(`${relative} is imported but does not exist`);
    files.add(relative);
    if (!/\.[cm]?[jt]s$/.test(file)) continue;
    const source = readFileSync(file, 'utf8');
    const specifiers = [
      ...[...source.matchAll(STATIC_IMPORT)].filter((m) => m[1] === undefined).map((m) => m[2]!),
      ...[...source.matchAll(DYNAMIC_IMPORT)].map((m) => m[1]!),
      ...[...source.matchAll(URL_BESIDE_MODULE)].map((m) => m[1]!),
    ];
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) queue.push(path.resolve(path.dirname(file), specifier));
      else packages.add(packageName(specifier));
    }
  }
  return { files, packages };
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

const isBuiltin = (name: string): boolean => name.startsWith('node:') || builtinModules.includes(name);

function filesUnder(relative: string): string[] {
  const absolute = path.join(repoRoot, relative);
  if (!statSync(absolute).isDirectory()) return [relative];
  return readdirSync(absolute).flatMap((entry) => filesUnder(path.posix.join(relative, entry)));
}

const imports = runtimeImports();
const defaults = loadConfig({});
/** Top-level files and folders the running program needs: what it imports, the feed catalogue, package.json ("type": "module"). */
const runtimeEntries = new Set([
  ...[...imports.files].map((file) => file.split(path.sep)[0]!),
  path.normalize(defaults.feedsDir).split(path.sep)[0]!,
  'package.json',
]);

// --- Dockerfile ------------------------------------------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions with continuation lines joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return logical
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** The stages, each its instructions from FROM on. */
function stages(instructions: Instruction[]): Instruction[][] {
  const result: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') result.push([]);
    result.at(-1)?.push(instruction);
  }
  return result;
}

interface Copy {
  from?: string;
  sources: string[];
  destination: string;
}

function parseCopy(args: string): Copy {
  const words = args.split(/\s+/);
  const flags = words.filter((word) => word.startsWith('--'));
  const paths = words.filter((word) => !word.startsWith('--'));
  const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
  return { ...(from !== undefined ? { from } : {}), sources: paths.slice(0, -1), destination: paths.at(-1)! };
}

/** Where a COPY puts one source (a folder's contents land in the destination itself, as the Dockerfile reference says). */
function landing(copy: Copy, source: string, workdir: string): string {
  const destination = path.posix.resolve(workdir, copy.destination);
  const intoFolder = copy.sources.length > 1 || copy.destination.endsWith('/') || destination === workdir;
  const isFolder = existsSync(path.join(repoRoot, source)) && statSync(path.join(repoRoot, source)).isDirectory();
  return intoFolder && !isFolder ? path.posix.join(destination, path.posix.basename(source)) : destination;
}

const lastValue = (stage: Instruction[], keyword: string): string | undefined =>
  stage.filter((instruction) => instruction.keyword === keyword).at(-1)?.args;

/** `KEY=value` pairs of the stage's ENV instructions. */
function envOf(stage: Instruction[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const { args } of stage.filter((instruction) => instruction.keyword === 'ENV')) {
    for (const [, key, value] of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env.set(key!, value!.replace(/^"|"$/g, ''));
  }
  return env;
}

// --- .dockerignore ---------------------------------------------------------------------------------------------

/** Whether .dockerignore keeps `file` out of the build context: patterns anchored at the root, the last match wins. */
function ignored(file: string, patterns: string[]): boolean {
  let result = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = (negated ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const regex = new RegExp(
      `^${pattern
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) => ({ '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' })[part] ?? part.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
        .join('')}(?:/.*)?$`,
    );
    if (regex.test(file)) result = !negated;
  }
  return result;
}

// --- docker-compose.yml: the YAML subset it uses ---------------------------------------------------------------

type Yaml = string | Yaml[] | { [key: string]: Yaml };

/**
 * Block mappings, block sequences of scalars and plain or quoted scalars (a flow sequence stays its text):
 * enough for docker-compose.yml, which keeps to that subset, without a YAML dependency.
 */
function parseYaml(text: string): Yaml {
  const lines = text
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').replace(/^\s*#.*$/, ''))
    .filter((line) => line.trim() !== '')
    .map((line) => ({ indent: line.length - line.trimStart().length, text: line.trim() }));
  let at = 0;
  const scalar = (value: string): string => value.replace(/^(["'])(.*)\1$/, '$2');
  const block = (indent: number): Yaml => {
    if (lines[at]!.text.startsWith('- ')) {
      const items: Yaml[] = [];
      while (at < lines.length && lines[at]!.indent === indent && lines[at]!.text.startsWith('- ')) items.push(scalar(lines[at++]!.text.slice(2).trim()));
      return items;
    }
    const mapping: { [key: string]: Yaml } = {};
    while (at < lines.length && lines[at]!.indent === indent) {
      const { text: line } = lines[at++]!;
      const colon = line.indexOf(':');
      const key = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      mapping[key] = value !== '' ? scalar(value) : at < lines.length && lines[at]!.indent > indent ? block(lines[at]!.indent) : '';
    }
    return mapping;
  };
  return block(0);
}

const asMap = (value: Yaml | undefined): { [key: string]: Yaml } =>
  typeof value === 'object' && !Array.isArray(value) ? value : {};
const asList = (value: Yaml | undefined): Yaml[] => (Array.isArray(value) ? value : typeof value === 'string' ? [value] : []);

// --- systemd unit ----------------------------------------------------------------------------------------------

/** Section → key → values in order (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const equals = line.indexOf('=');
    const key = line.slice(0, equals);
    current?.set(key, [...(current.get(key) ?? []), line.slice(equals + 1)]);
  }
  return sections;
}

// --- the tests -------------------------------------------------------------------------------------------------

describe('deployment files', () => {
  it('exist', () => {
    for (const file of ['Dockerfile', '.dockerignore', 'docker-compose.yml', 'deploy/privacy-radar.service']) {
      expect(existsSync(path.join(repoRoot, file)), file).toBe(true);
    }
  });

  it('the program loads at run time only its dependencies, Node built-ins and files of bin/, src/ and commands/', () => {
    const misplaced = [...imports.packages].filter((name) => !isBuiltin(name) && !(name in packageJson.dependencies));
    expect(misplaced, 'imported at run time but not a dependency (npm ci --omit=dev leaves devDependencies out)').toEqual([]);
    expect(imports.packages).toContain('discord.js');
    expect([...runtimeEntries].sort()).toEqual(['bin', 'commands', 'feeds', 'package.json', 'src']);
  });
});

describe('Dockerfile', () => {
  const instructions = parseDockerfile(read('Dockerfile'));
  const all = stages(instructions);
  const runtime = all.at(-1) ?? [];
  const build = all.slice(0, -1);
  const workdir = lastValue(runtime, 'WORKDIR') ?? '/';
  const copies = runtime.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => parseCopy(instruction.args));

  it('builds in a separate stage, and both stages run on Node 24 slim images', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const stage of all) expect(stage[0]!.args).toMatch(/^node:24(?:-[a-z]+)?-slim\s+AS\s+\w+$/i);
  });

  it('installs the production dependencies with npm ci --omit=dev in the build stage and copies them over', () => {
    const runs = build.flat().filter((instruction) => instruction.keyword === 'RUN');
    expect(runs.some((run) => /\bnpm ci\b[^&|;]*--omit=dev/.test(run.args))).toBe(true);
    const buildName = /\bAS\s+(\w+)/i.exec(build[0]?.[0]?.args ?? '')?.[1];
    expect(copies.some((copy) => copy.from === buildName && copy.sources.some((source) => source.endsWith('node_modules')))).toBe(true);
    const installsInRuntime = runtime.some((instruction) => instruction.keyword === 'RUN' && /\bnpm (?:ci|install|i)\b/.test(instruction.args));
    expect(installsInRuntime, 'the runtime stage installs nothing').toBe(false);
  });

  it('copies every top-level folder and file the program needs to where it expects them', () => {
    const fromContext = copies.filter((copy) => copy.from === undefined);
    const landed = new Set(fromContext.flatMap((copy) => copy.sources.map((source) => landing(copy, source, workdir))));
    for (const entry of runtimeEntries) expect(landed, entry).toContain(path.posix.join(workdir, entry));
    for (const source of fromContext.flatMap((copy) => copy.sources)) expect(existsSync(path.join(repoRoot, source)), source).toBe(true);
  });

  it('never copies a .env file or the whole context', () => {
    const sources = instructions
      .filter((instruction) => instruction.keyword === 'COPY' || instruction.keyword === 'ADD')
      .flatMap((instruction) => parseCopy(instruction.args).sources);
    expect(sources.filter((source) => /(^|\/)\.env(?!\.example$)/.test(source) || source === '.' || source === './')).toEqual([]);
  });

  it('runs the bin entry point with the image\'s node as a non-root user', () => {
    const user = lastValue(runtime, 'USER');
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(?:root|0)(?::|$)/);
    expect(runtime.findIndex((i) => i.keyword === 'USER')).toBeLessThan(runtime.findIndex((i) => i.keyword === 'CMD'));
    expect(JSON.parse(lastValue(runtime, 'CMD') ?? 'null')).toEqual(['node', entryPoint, 'run']);
  });

  it('keeps the store in a volume that the default STORE_URL points into, owned by that user', () => {
    const storeUrl = envOf(runtime).get('STORE_URL') ?? defaults.storeUrl;
    const location = parseStoreUrl(storeUrl, workdir);
    expect(location.kind).toBe('sqlite');
    const dataDir = path.posix.dirname(location.kind === 'sqlite' ? location.file : '');
    const volumes = runtime.filter((i) => i.keyword === 'VOLUME').flatMap((i) => (i.args.startsWith('[') ? (JSON.parse(i.args) as string[]) : i.args.split(/\s+/)));
    expect(volumes).toContain(dataDir);
    const user = lastValue(runtime, 'USER') ?? '';
    expect(runtime.some((i) => i.keyword === 'RUN' && i.args.includes(`chown ${user}`) && i.args.includes(dataDir))).toBe(true);
  });

  it('checks health through GET /healthz on HEALTH_PORT with node (the slim image has no curl)', () => {
    const check = lastValue(runtime, 'HEALTHCHECK') ?? '';
    expect(check).toMatch(/CMD \["node", "-e", ".*fetch\(.*127\.0\.0\.1.*HEALTH_PORT.*\/healthz/);
    expect(envOf(runtime).get('HEALTH_PORT')).toMatch(/^\d+$/);
  });
});

describe('.dockerignore', () => {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it('keeps secrets, local state, dependencies and history out of the build context', () => {
    for (const file of ['.env', '.env.production', 'data/privacy-radar.sqlite', 'node_modules/keyv/package.json', '.git/HEAD', 'test-output/x.txt']) {
      expect(ignored(file, patterns), file).toBe(true);
    }
  });

  it('lets every file the image copies through', () => {
    const kept = [...runtimeEntries, 'package-lock.json'].flatMap(filesUnder).filter((file) => ignored(file, patterns));
    expect(kept).toEqual([]);
    expect(ignored('src/analysis/data/privacy-cues.json', patterns)).toBe(false);
  });
});

describe('docker-compose.yml', () => {
  const text = read('docker-compose.yml');
  const compose = asMap(parseYaml(text));
  const services = asMap(compose.services);
  const bot = asMap(services.bot);
  const redis = asMap(services.redis);

  it('has the bot, built from this folder, and Redis', () => {
    expect(bot.build).toBe('.');
    expect(String(redis.image)).toMatch(/^redis:/);
  });

  it('points the bot\'s store at the redis service and waits for it', () => {
    const storeUrl = String(asMap(bot.environment).STORE_URL);
    expect(new URL(storeUrl).protocol).toBe('redis:');
    expect(new URL(storeUrl).hostname).toBe('redis');
    expect(new URL(storeUrl).password, 'no password inline').toBe('');
    expect(asMap(bot.depends_on).redis).toBeDefined();
  });

  it('keeps Redis data in a named volume', () => {
    const named = Object.keys(asMap(compose.volumes));
    const mounts = asList(redis.volumes).map(String);
    expect(mounts.some((mount) => named.includes(mount.split(':')[0]!) && mount.split(':')[1] === '/data')).toBe(true);
  });

  it('takes secrets from env_file, never inline, and leaves INSTANCE_ID unset so replicas stay distinct', () => {
    expect(asList(bot.env_file)).toContain('.env');
    for (const name of [...SECRETS, 'INSTANCE_ID']) expect(text, name).not.toMatch(new RegExp(`^\\s*-?\\s*${name}\\s*[:=]`, 'm'));
  });

  it('publishes no port and checks the bot\'s health on /healthz', () => {
    expect(bot.ports).toBeUndefined();
    expect(redis.ports).toBeUndefined();
    expect(String(asMap(bot.healthcheck).test)).toMatch(/\/healthz/);
  });
});

describe('deploy/privacy-radar.service', () => {
  const unit = parseUnit(read('deploy/privacy-radar.service'));
  const service = unit.get('Service') ?? new Map<string, string[]>();
  const one = (key: string): string | undefined => service.get(key)?.at(-1);
  const workdir = one('WorkingDirectory') ?? '';

  it('runs the bin entry point from its working directory as an unprivileged user', () => {
    expect(path.isAbsolute(workdir)).toBe(true);
    const [executable, ...args] = (one('ExecStart') ?? '').split(/\s+/);
    expect(path.isAbsolute(executable ?? '')).toBe(true);
    expect(path.basename(executable ?? '')).toBe('node');
    expect(args).toEqual([entryPoint, 'run']);
    expect(one('User')).toMatch(/^(?!root$)\S+$/);
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('is hardened, with only the default store\'s folder writable', () => {
    const location = parseStoreUrl(defaults.storeUrl, workdir);
    const dataDir = path.posix.dirname(location.kind === 'sqlite' ? location.file : '');
    expect(service.get('ReadWritePaths')).toEqual([dataDir]);
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      RestrictSUIDSGID: 'yes',
      CapabilityBoundingSet: '',
    })) {
      expect(one(key), key).toBe(value);
    }
    expect(service.has('MemoryDenyWriteExecute'), 'V8 needs writable executable memory').toBe(false);
  });

  it('stops gently, does not restart on a configuration error, and keeps secrets in an EnvironmentFile', () => {
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(Number(one('TimeoutStopSec'))).toBeGreaterThan(10);
    expect(one('RestartPreventExitStatus')).toBe('2');
    expect(path.isAbsolute(one('EnvironmentFile') ?? '')).toBe(true);
    const inline = (service.get('Environment') ?? []).filter((assignment) => SECRETS.some((name) => assignment.includes(name)));
    expect(inline).toEqual([]);
  });
});
