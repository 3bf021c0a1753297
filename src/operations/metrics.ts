/**
 * A tiny metrics registry: counters and gauges, rendered in the Prometheus text exposition format 0.0.4.
 *
 * Written here rather than taken from prom-client: the bot needs two metric types, a handful of series and one
 * renderer — about a hundred lines — while prom-client brings histograms, summaries, default process metrics,
 * cluster aggregation and a dependency to keep up to date.
 *
 * Every family declares its label names up front and each update must name exactly those, so a family's series
 * always share one label set. Label values come from small fixed sets (feed outcomes, platform names), never from
 * feed text, so the number of series stays bounded.
 */

/** Label values by label name. */
export type Labels = Readonly<Record<string, string>>;

export interface Counter {
  /** Adds `by` (default 1, never negative) to the series of `labels`. */
  inc(labels?: Labels, by?: number): void;
}

export interface Gauge {
  set(value: number, labels?: Labels): void;
  /** Forgets every series: the family is shown without samples until the next `set` (a value that could not be read). */
  clear(): void;
}

export interface MetricsRegistry {
  counter(name: string, help: string, labelNames?: readonly string[]): Counter;
  gauge(name: string, help: string, labelNames?: readonly string[]): Gauge;
  /** The exposition text: families in registration order, series in the order they were first written. */
  render(): string;
}

/** The Content-Type of `render()`'s output. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Label names starting with `__` are reserved for Prometheus itself. */
const LABEL_NAME = /^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  labelNames: readonly string[];
  /** Rendered label set (`{a="1"}` or empty) → value. */
  series: Map<string, number>;
}

export function createMetricsRegistry(): MetricsRegistry {
  const families: Family[] = [];

  const register = (type: Family['type'], name: string, help: string, labelNames: readonly string[]): Family => {
    if (!METRIC_NAME.test(name)) throw new Error(`Invalid metric name ${JSON.stringify(name)}`);
    if (families.some((family) => family.name === name)) throw new Error(`Metric ${name} is registered twice`);
    const bad = labelNames.find((label) => !LABEL_NAME.test(label));
    if (bad !== undefined) throw new Error(`Invalid label name ${JSON.stringify(bad)} for ${name}`);
    const family: Family = { name, help, type, labelNames, series: new Map() };
    families.push(family);
    // A family without labels starts at 0, so that it is scraped (and `rate` works) before anything happened.
    if (type === 'counter' && labelNames.length === 0) family.series.set('', 0);
    return family;
  };

  return {
    counter(name, help, labelNames = []) {
      const family = register('counter', name, help, labelNames);
      return {
        inc(labels = {}, by = 1) {
          if (!(by >= 0) || !Number.isFinite(by)) throw new Error(`Counter ${name} can only grow, not by ${by}`);
          const key = labelKey(family, labels);
          family.series.set(key, (family.series.get(key) ?? 0) + by);
        },
      };
    },
    gauge(name, help, labelNames = []) {
      const family = register('gauge', name, help, labelNames);
      return {
        set(value, labels = {}) {
          family.series.set(labelKey(family, labels), value);
        },
        clear() {
          family.series.clear();
        },
      };
    },
    render: () => families.map(renderFamily).join(''),
  };
}

/** The label set as it appears in the exposition, in the family's declared label order. */
function labelKey(family: Family, labels: Labels): string {
  const given = Object.keys(labels);
  if (given.length !== family.labelNames.length || !family.labelNames.every((label) => Object.hasOwn(labels, label))) {
    throw new Error(`Metric ${family.name} takes the labels [${family.labelNames.join(', ')}], not [${given.join(', ')}]`);
  }
  if (family.labelNames.length === 0) return '';
  return `{${family.labelNames.map((label) => `${label}="${escapeLabelValue(labels[label]!)}"`).join(',')}}`;
}

function renderFamily(family: Family): string {
  const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`];
  for (const [labels, value] of family.series) lines.push(`${family.name}${labels} ${formatValue(value)}`);
  return `${lines.join('\n')}\n`;
}

/** In label values, backslash, double quote and line feed are escaped. */
function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** In HELP text, backslash and line feed are escaped (double quotes stay as they are). */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
