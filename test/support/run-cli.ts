import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The `privacy-radar` command as an operator runs it: a child process with its own environment. */

const BIN = path.resolve(import.meta.dirname, '../../bin/privacy-radar.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  env: Record<string, string>,
  options: { untilStdout?: RegExp; signal?: NodeJS.Signals; cwd?: string; stdin?: string } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      // Run in a folder of the test's own, so no developer's .env is read.
      cwd: options.cwd ?? tmpdir(),
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (options.untilStdout && !signalled && options.untilStdout.test(stdout)) {
        signalled = true;
        child.kill(options.signal ?? 'SIGTERM');
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A `privacy-radar` process that keeps running (`run`) until the test stops it. */
export interface RunningCli {
  /** Everything written so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves once the output matches; rejects after `timeoutMs` or when the process ends first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it ended. */
  stop(graceMs?: number): Promise<Run>;
  /** SIGKILL at once, as a crash or an OOM killer would (synchronous: the process does nothing more); resolves when it is gone. */
  kill(): Promise<Run>;
}

export function startCli(args: string[], env: Record<string, string>, options: { cwd?: string } = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let all = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    all += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    all += chunk.toString();
  });
  const ended = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  let exited = false;
  void ended.then(() => (exited = true));
  return {
    output: () => all,
    waitForOutput: (pattern, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const check = (): void => {
          if (pattern.test(all)) return resolve();
          if (exited) return reject(new Error(`process ended before printing ${pattern}:\n${all.slice(-3000)}`));
          if (Date.now() - started > timeoutMs) return reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${all.slice(-3000)}`));
          setTimeout(check, 20);
        };
        check();
      }),
    kill: () => {
      if (!exited) child.kill('SIGKILL');
      return ended;
    },
    stop: async (graceMs = 10_000) => {
      if (!exited) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const run = await ended;
      clearTimeout(timer);
      return run;
    },
  };
}
