/**
 * Settles as `work` does, or rejects after `ms`: a health check or a scrape must answer even while the store hangs
 * (a Redis or PostgreSQL command may take up to its own 15 s timeout). The work itself runs on; only the wait ends.
 */
export function withinTime<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
