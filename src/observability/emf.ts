import type { Registry } from 'prom-client';

/**
 * CloudWatch Embedded Metric Format: the figures of the prom-client registry
 * written as JSON lines (for Fargate without an agent: the awslogs driver
 * ships stdout, CloudWatch Logs extracts the metrics). Counters are written as
 * the increase since the previous flush, gauges as their value, histograms as
 * the observations since the previous flush, each at its bucket's upper bound.
 */
export interface EmfMetric {
  /** CloudWatch metric name. */
  name: string;
  unit: 'Count' | 'Milliseconds' | 'None';
  /** Multiplies the registry's value (seconds to milliseconds). */
  scale?: number;
}

/** Which registry metrics go to CloudWatch, under which names. Process metrics stay on /metrics. */
export const EMF_METRICS: Record<string, EmfMetric> = {
  wallet_commands_decided_total: { name: 'CommandsDecided', unit: 'Count' },
  wallet_replays_total: { name: 'Replays', unit: 'Count' },
  wallet_reused_keys_total: { name: 'ReusedKeys', unit: 'Count' },
  wallet_invalid_commands_total: { name: 'InvalidCommands', unit: 'Count' },
  wallet_conflict_retries_total: { name: 'ConflictRetries', unit: 'Count' },
  wallet_group_commit_size: { name: 'GroupCommitSize', unit: 'Count' },
  wallet_decide_duration_seconds: { name: 'DecideLatency', unit: 'Milliseconds', scale: 1000 },
  wallet_end_to_end_duration_seconds: { name: 'EndToEndLatency', unit: 'Milliseconds', scale: 1000 },
  wallet_messages_in_flight: { name: 'MessagesInFlight', unit: 'Count' },
  wallet_poll_paused: { name: 'PollPaused', unit: 'None' },
  wallet_poll_pauses_total: { name: 'PollPauses', unit: 'Count' },
  wallet_dead_lettered_total: { name: 'DeadLettered', unit: 'Count' },
};

/** EMF allows at most 100 values per metric in one document. */
const MAX_VALUES = 100;

export interface EmfOptions {
  namespace: string;
  /** Dimensions on every metric (e.g. the command queue's name, so two stacks never mix). */
  dimensions: Record<string, string>;
  now?: () => number;
}

type Labels = Record<string, string | number>;
interface Sample {
  metricName?: string;
  labels: Labels;
  value: number;
}

/** Turns successive registry snapshots into EMF documents, remembering counters between flushes. */
export class EmfFormatter {
  private readonly previous = new Map<string, number>();

  constructor(
    private readonly registry: Registry,
    private readonly options: EmfOptions,
  ) {}

  /** The EMF documents for everything recorded since the previous call. */
  async documents(): Promise<Record<string, unknown>[]> {
    const baseDimensions = Object.keys(this.options.dimensions);
    const plain: Record<string, unknown> = {};
    const plainMetrics: { Name: string; Unit: string }[] = [];
    const labelled: Record<string, unknown>[] = [];
    for (const metric of await this.registry.getMetricsAsJSON()) {
      const emf = EMF_METRICS[metric.name];
      if (!emf) continue;
      const samples = metric.values as Sample[];
      // Typed as an enum, but the JSON holds the type's name ('counter', 'gauge', 'histogram').
      const type = String(metric.type as unknown);
      const bySeries = new Map<string, { labels: Labels; value: number | number[] }>();
      if (type === 'histogram') {
        for (const [labels, values] of this.histogramSeries(metric.name, samples, emf))
          bySeries.set(JSON.stringify(labels), { labels, value: values });
      } else {
        for (const sample of samples) {
          const series = `${metric.name}${JSON.stringify(sample.labels)}`;
          const value = type === 'counter' ? sample.value - (this.previous.get(series) ?? 0) : sample.value;
          if (type === 'counter') this.previous.set(series, sample.value);
          bySeries.set(JSON.stringify(sample.labels), { labels: sample.labels, value });
        }
      }
      for (const { labels, value } of bySeries.values()) {
        const labelNames = Object.keys(labels);
        if (Array.isArray(value) && value.length === 0) continue;
        if (labelNames.length === 0) {
          plain[emf.name] = value;
          plainMetrics.push({ Name: emf.name, Unit: emf.unit });
        } else if (value !== 0) {
          labelled.push(
            this.document([[...baseDimensions, ...labelNames], baseDimensions], [{ Name: emf.name, Unit: emf.unit }], {
              ...stringLabels(labels),
              [emf.name]: value,
            }),
          );
        }
      }
    }
    return [...(plainMetrics.length > 0 ? [this.document([baseDimensions], plainMetrics, plain)] : []), ...labelled];
  }

  /** Observations since the last flush per label set, each at its bucket's upper bound (at most 100). */
  private histogramSeries(name: string, samples: Sample[], emf: EmfMetric): Map<Labels, number[]> {
    const result = new Map<Labels, number[]>();
    const groups = new Map<string, { labels: Labels; buckets: { le: number; cumulative: number }[] }>();
    for (const sample of samples) {
      if (sample.metricName !== `${name}_bucket`) continue;
      const { le, ...labels } = sample.labels;
      const key = JSON.stringify(labels);
      const group = groups.get(key) ?? { labels, buckets: [] };
      group.buckets.push({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), cumulative: sample.value });
      groups.set(key, group);
    }
    for (const [key, { labels, buckets }] of groups) {
      buckets.sort((a, b) => a.le - b.le);
      const counts: { value: number; count: number }[] = [];
      let below = 0;
      let largestFinite = 0;
      for (const bucket of buckets) {
        const series = `${name}${key}le=${bucket.le}`;
        const increase = bucket.cumulative - (this.previous.get(series) ?? 0);
        this.previous.set(series, bucket.cumulative);
        if (Number.isFinite(bucket.le)) largestFinite = bucket.le;
        // Observations above the largest bound are counted at that bound.
        const inBucket = increase - below;
        below = increase;
        if (inBucket > 0) counts.push({ value: largestFinite * (emf.scale ?? 1), count: inBucket });
      }
      result.set(labels, spread(counts));
    }
    return result;
  }

  private document(
    dimensions: string[][],
    metrics: { Name: string; Unit: string }[],
    values: Record<string, unknown>,
  ): Record<string, unknown> {
    return {
      _aws: {
        Timestamp: (this.options.now ?? Date.now)(),
        CloudWatchMetrics: [{ Namespace: this.options.namespace, Dimensions: dimensions, Metrics: metrics }],
      },
      ...this.options.dimensions,
      ...values,
    };
  }
}

/** Values repeated by their counts; scaled down proportionally past 100 values (each bucket keeps at least one). */
function spread(counts: { value: number; count: number }[]): number[] {
  const total = counts.reduce((sum, entry) => sum + entry.count, 0);
  const factor = total > MAX_VALUES ? MAX_VALUES / total : 1;
  const values = counts.flatMap(({ value, count }) => Array<number>(Math.max(1, Math.floor(count * factor))).fill(value));
  return values.slice(0, MAX_VALUES);
}

function stringLabels(labels: Labels): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).map(([key, value]) => [key, String(value)]));
}

/** Writes the EMF documents every `intervalMs` (and once more on stop) as JSON lines. */
export function startEmfFlusher(
  formatter: EmfFormatter,
  write: (line: string) => void,
  intervalMs: number,
  onError: (err: unknown) => void,
) {
  const flush = async () => {
    try {
      for (const document of await formatter.documents()) write(`${JSON.stringify(document)}\n`);
    } catch (err) {
      onError(err);
    }
  };
  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();
  return {
    flush,
    async stop(): Promise<void> {
      clearInterval(timer);
      await flush();
    },
  };
}
