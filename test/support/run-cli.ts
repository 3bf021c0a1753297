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
