import type { AddressInfo, Server } from 'node:net';

/**
 * What every stand-in needs: a server listening on 127.0.0.1 (never another interface) on a free port, and a
 * way for tests to wait for something the stand-in records.
 */

/** Starts `server` on 127.0.0.1 with a random free port; rejects if it cannot listen. Resolves with the port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Polls `predicate` every 10 ms; the timeout error quotes the predicate's source so a failing test says what it waited for. */
export async function waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() >= deadline) throw new Error(`waitFor timed out after ${timeoutMs} ms: ${predicate.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
