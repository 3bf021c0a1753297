import cron from 'node-cron';
import type { CliIo } from '../cli.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { createApp, type App, type ArticleConsumer } from '../main.ts';
import { startOperations, type Operations } from '../operations/start-operations.ts';
import { printNewIncidents } from '../platforms/console/print-new-incidents.ts';
import type { BackfillState } from '../ingest/backfill-feed.ts';

const SHUTDOWN_GRACE_MS = 10_000;
/** Retention and forgetting (App.maintain): daily at a quiet hour, and once shortly after start-up. */
const MAINTENANCE_CRON = '17 3 * * *';
const FIRST_MAINTENANCE_DELAY_MS = 60_000;

/**
 * `run`: one poll at start-up, then one per POLL_CRON tick (a tick that finds the previous cycle still running
 * is skipped). With no chat platform configured, each new privacy incident is printed as a card to stdout.
 * SIGINT/SIGTERM: no new cycle starts, the running one gets a grace period to finish its writes, then the
 * fetcher and the store are closed. A second signal exits at once. With HEALTH_PORT set, /healthz and /metrics
 * are served from start-up (after the platforms connected) until the shutdown begins.
 */
export async function runCommand(config: Config, log: Logger, io: CliIo): Promise<number> {
  const app = await createApp(config, log);
  let platforms: string[];
  let operations: Operations | undefined;
  try {
    platforms = await app.startPlatforms();
    if (config.health) operations = await startOperations(app, config.health);
  } catch (error) {
    await app.close();
    throw error;
  }
  log.info(
    { feeds: app.feeds.length, store: app.store.kind, schedule: config.pollCron, platforms },
    `privacy-radar started: ${app.feeds.length} feeds, store ${app.store.kind}, polling "${config.pollCron}", ` +
      `chat: ${platforms.length > 0 ? platforms.join(', ') : 'none (new incidents are printed here)'}`,
  );
  if (operations) log.info({ url: operations.url }, `health checks on ${operations.url}/healthz, metrics on ${operations.url}/metrics`);
  await offerBackfill(app, log).catch((error: unknown) => log.debug({ err: error }, 'could not tell whether the store is new'));
  // Without a chat platform the console is where new incidents show up.
  const printCard: ArticleConsumer | undefined = platforms.length === 0 ? printNewIncidents(io.stdout, app.gazetteer) : undefined;

  const deliver = async (): Promise<void> => {
    // Not `operations?.recordDelivery(await …)`: optional chaining would skip the round itself without operations.
    const round = await app.delivery.tick();
    operations?.recordDelivery(round);
  };
  let current: Promise<void> | undefined;
  let stopping = false;
  const cycle = (): Promise<void> => {
    if (stopping) return Promise.resolve();
    if (current) {
      log.warn('previous poll cycle still running; this tick is skipped');
      return current;
    }
    current = pollAndReport(app, printCard, operations)
      .then(async () => {
        if (platforms.length > 0) await deliver();
      })
      .finally(() => {
        current = undefined;
      });
    return current;
  };

  const task = cron.schedule(config.pollCron, () => void cycle(), { name: 'poll' });
  // Deliveries: due digests and pending alerts every DELIVERY_CRON tick, and right after each poll; the first
  // round resumes whatever a previous run left unfinished.
  const deliveryTask = platforms.length > 0 ? cron.schedule(config.delivery.cron, () => void deliver(), { name: 'delivery' }) : undefined;
  // Also a minute after start-up, so that a bot restarted every night still sweeps; a run still going skips a tick.
  let maintaining: Promise<unknown> | undefined;
  const maintain = (): void => {
    if (stopping || maintaining) return;
    maintaining = app
      .maintain()
      .catch((error: unknown) => log.error({ err: error }, 'maintenance failed'))
      .finally(() => (maintaining = undefined));
  };
  const maintenanceTask = cron.schedule(MAINTENANCE_CRON, maintain, { name: 'maintenance' });
  const firstMaintenance = setTimeout(maintain, FIRST_MAINTENANCE_DELAY_MS).unref();
  void cycle();

  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await stopped;
  await operations?.close();
  await task.stop();
  await deliveryTask?.stop();
  await maintenanceTask.stop();
  clearTimeout(firstMaintenance);
  // A sweep is safe to cut short (it resumes next run); it gets the grace period, not more.
  if (maintaining) await Promise.race([maintaining, new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS).unref())]);
  await app.delivery.settled();
  if (current) {
    const graceOver = new Promise<'timeout'>((r) => setTimeout(r, SHUTDOWN_GRACE_MS, 'timeout').unref());
    if ((await Promise.race([current.then(() => 'done' as const), graceOver])) === 'timeout') {
      log.warn('poll cycle still running after the grace period; aborting its requests');
      // Aborted requests fail their feeds; the cycle records that and settles before the store closes.
      await app.fetcher.abort();
      await current;
    }
  }
  await app.close();
  log.info('stopped');
  return 0;
}

async function pollAndReport(app: App, onArticle: ArticleConsumer | undefined, operations: Operations | undefined): Promise<void> {
  try {
    const report = await app.poll(onArticle ? { onArticle } : {});
    operations?.recordPoll(report);
    const count = (outcome: string) => report.feeds.filter((f) => f.outcome === outcome).length;
    const summary = {
      durationMs: report.durationMs,
      ingested: report.articles.length,
      polled: report.feeds.length - count('not-due') - count('elsewhere'),
      notDue: count('not-due'),
      elsewhere: count('elsewhere'),
      failed: count('failed'),
    };
    const shared = summary.elsewhere > 0 ? `, ${summary.elsewhere} polled by another instance` : '';
    app.log.info(
      summary,
      `poll cycle done: ${summary.polled} feeds polled, ${summary.ingested} new, ${summary.failed} failed, ` +
        `${summary.notDue} waiting (back-off or interval)${shared}, ${summary.durationMs} ms`,
    );
  } catch (error) {
    app.log.error({ err: error }, 'poll cycle failed');
  }
}

/**
 * A new store knows only what the feeds carry today: say, once at start-up, that `privacy-radar backfill` can read
 * their archives — which outlets, how, and at what pace — and how to run it. Said while the store has no incident
 * and no backfill was ever run.
 */
async function offerBackfill(app: App, log: Logger): Promise<void> {
  if ((await app.store.incidents.latest({ limit: 1 })).total > 0) return;
  const state = app.store.collection<BackfillState>('backfill');
  const tried = await state.getMany(app.feeds.map((feed) => feed.id));
  if (tried.some((entry) => entry !== undefined)) return;
  const archives = app.feeds.filter((feed) => (feed.archive?.style ?? 'wordpress') !== 'none');
  if (archives.length === 0) return;
  const described = archives.map((feed) => `${feed.id} (${feed.archive?.style === 'pages' ? `${feed.archive.urls.length} archive pages` : 'WordPress ?paged=2, 3, …'})`);
  const pace = app.config.backfillHostIntervalMs;
  log.info(
    { feeds: archives.map((feed) => feed.id) },
    `a new store: the incident history holds only what the feeds carry today. ${archives.length} outlets have archives that ` +
      `"privacy-radar backfill" can read into it as history (nothing is posted): ${described.join(', ')}, ` +
      `at most one request per ${pace === 1000 ? 'second' : `${pace} ms`} per host, stopping where an archive page brings nothing new.`,
  );
  const yearAgo = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);
  log.info(`to fill in the history, run (while the bot runs or not; Ctrl-C stops, running it again continues): npx privacy-radar backfill --since ${yearAgo} --max-pages 50`);
}
