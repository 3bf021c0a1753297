import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, EXPOSITION_CONTENT_TYPE } from '../../src/operations/metrics.ts';

describe('metrics registry (Prometheus text exposition 0.0.4)', () => {
  it('renders HELP, TYPE and samples exactly, families in registration order', () => {
    const registry = createMetricsRegistry();
    const polls = registry.counter('demo_polls_total', 'Polls done.');
    const outcomes = registry.counter('demo_feed_polls_total', 'Feed polls by outcome.', ['outcome']);
    const depth = registry.gauge('demo_queue_depth', 'Entries waiting.');
    const connected = registry.gauge('demo_connected', 'Connected (1) or not (0).', ['platform', 'region']);
    polls.inc();
    polls.inc({}, 2);
    outcomes.inc({ outcome: 'fetched' }, 0);
    outcomes.inc({ outcome: 'failed' });
    outcomes.inc({ outcome: 'fetched' }, 3);
    depth.set(0.25);
    connected.set(1, { region: 'eu', platform: 'discord' });
    expect(registry.render()).toBe(
      [
        '# HELP demo_polls_total Polls done.',
        '# TYPE demo_polls_total counter',
        'demo_polls_total 3',
        '# HELP demo_feed_polls_total Feed polls by outcome.',
        '# TYPE demo_feed_polls_total counter',
        'demo_feed_polls_total{outcome="fetched"} 3',
        'demo_feed_polls_total{outcome="failed"} 1',
        '# HELP demo_queue_depth Entries waiting.',
        '# TYPE demo_queue_depth gauge',
        'demo_queue_depth 0.25',
        '# HELP demo_connected Connected (1) or not (0).',
        '# TYPE demo_connected gauge',
        'demo_connected{platform="discord",region="eu"} 1',
        '',
      ].join('\n'),
    );
    expect(EXPOSITION_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('starts an unlabelled counter at 0 and leaves an unset gauge without samples', () => {
    const registry = createMetricsRegistry();
    registry.counter('a_total', 'A.');
    registry.gauge('b', 'B.');
    expect(registry.render()).toBe('# HELP a_total A.\n# TYPE a_total counter\na_total 0\n# HELP b B.\n# TYPE b gauge\n');
  });

  it('escapes label values (backslash, quote, line feed) and HELP text (backslash, line feed)', () => {
    const registry = createMetricsRegistry();
    const gauge = registry.gauge('odd', 'Says "hi" \\ across\nlines.', ['name']);
    gauge.set(1, { name: 'a\\b"c\nd' });
    expect(registry.render()).toBe('# HELP odd Says "hi" \\\\ across\\nlines.\n# TYPE odd gauge\nodd{name="a\\\\b\\"c\\nd"} 1\n');
  });

  it('writes NaN and infinities as Prometheus spells them, and forgets series on clear', () => {
    const registry = createMetricsRegistry();
    const gauge = registry.gauge('g', 'G.', ['k']);
    gauge.set(Number.NaN, { k: 'nan' });
    gauge.set(Infinity, { k: 'up' });
    gauge.set(-Infinity, { k: 'down' });
    gauge.set(-2, { k: 'negative' });
    expect(registry.render().split('\n').slice(2, 6)).toEqual(['g{k="nan"} NaN', 'g{k="up"} +Inf', 'g{k="down"} -Inf', 'g{k="negative"} -2']);
    gauge.clear();
    expect(registry.render()).toBe('# HELP g G.\n# TYPE g gauge\n');
  });

  it('refuses what would make the exposition invalid', () => {
    const registry = createMetricsRegistry();
    const counter = registry.counter('ok_total', 'Ok.', ['kind']);
    expect(() => registry.counter('bad-name', 'x')).toThrow(/Invalid metric name/);
    expect(() => registry.gauge('ok_total', 'again')).toThrow(/registered twice/);
    expect(() => registry.gauge('reserved', 'x', ['__name'])).toThrow(/Invalid label name/);
    expect(() => counter.inc({ kind: 'a' }, -1)).toThrow(/only grow/);
    expect(() => counter.inc({ kind: 'a' }, Number.NaN)).toThrow(/only grow/);
    expect(() => counter.inc({})).toThrow(/takes the labels \[kind\]/);
    expect(() => counter.inc({ kind: 'a', extra: 'b' })).toThrow(/takes the labels/);
    expect(registry.render()).not.toContain('ok_total{');
  });
});
