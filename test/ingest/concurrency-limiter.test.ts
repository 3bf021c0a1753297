import { describe, expect, it } from 'vitest';
import { createKeyedLimiter, createLimiter } from '../../src/ingest/concurrency-limiter.ts';

/** A job the test finishes by hand, recording when it started. */
function deferredJob(log: string[], name: string): { fn: () => Promise<string>; finish: () => void } {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    fn: async () => {
      log.push(`start ${name}`);
      await done;
      return name;
    },
    finish: () => finish(),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('createLimiter', () => {
  it('runs at most `max` jobs and starts the rest in FIFO order', async () => {
    const limiter = createLimiter(2);
    const log: string[] = [];
    const jobs = ['a', 'b', 'c', 'd'].map((name) => deferredJob(log, name));
    const results = jobs.map((job) => limiter.run(job.fn));
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    expect(limiter.active).toBe(2);
    expect(limiter.pending).toBe(2);

    jobs[1]?.finish();
    await tick();
    expect(log).toEqual(['start a', 'start b', 'start c']);

    jobs[0]?.finish();
    jobs[2]?.finish();
    jobs[3]?.finish();
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c', 'd']);
    expect(limiter.active).toBe(0);
  });

  it('frees the slot when a job fails', async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
  });

  it('drops a waiting job whose signal aborts, without running it', async () => {
    const limiter = createLimiter(1);
    const log: string[] = [];
    const first = deferredJob(log, 'first');
    const running = limiter.run(first.fn);
    const controller = new AbortController();
    let ran = false;
    const waiting = limiter.run(async () => {
      ran = true;
    }, controller.signal);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    expect(limiter.pending).toBe(0);
    first.finish();
    await running;
    expect(ran).toBe(false);
  });

  it('rejects at once for an already aborted signal', async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(async () => 'x', AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('treats a max below 1 as 1', async () => {
    const limiter = createLimiter(0);
    await expect(limiter.run(async () => 'ran')).resolves.toBe('ran');
  });
});

describe('createKeyedLimiter', () => {
  it('limits each key separately', async () => {
    const limiter = createKeyedLimiter(1);
    const log: string[] = [];
    const a1 = deferredJob(log, 'a1');
    const a2 = deferredJob(log, 'a2');
    const b1 = deferredJob(log, 'b1');
    const results = [limiter.run('a', a1.fn), limiter.run('a', a2.fn), limiter.run('b', b1.fn)];
    await tick();
    expect(log).toEqual(['start a1', 'start b1']);
    a1.finish();
    await tick();
    expect(log).toEqual(['start a1', 'start b1', 'start a2']);
    a2.finish();
    b1.finish();
    await expect(Promise.all(results)).resolves.toEqual(['a1', 'a2', 'b1']);
  });

  it('forgets idle keys', async () => {
    const limiter = createKeyedLimiter(2);
    await Promise.all(['x', 'y', 'z'].map((key) => limiter.run(key, async () => key)));
    expect(limiter.size).toBe(0);
  });
});
