import { describe, expect, it } from 'vitest';
import { EnvSchema } from '../../src/config.js';
import { EMF_METRICS, EmfFormatter } from '../../src/observability/emf.js';
import { MetricsTelemetry } from '../../src/observability/metrics.js';
import { METRICS_NAMESPACE, observabilityEnvironment } from '../../deploy/observability.js';
import { buildTemplate } from '../../deploy/template.js';

type Document = Record<string, unknown> & {
  _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
};

function formatter(telemetry: MetricsTelemetry) {
  const emf = new EmfFormatter(telemetry.registry, { namespace: 'Test', dimensions: { Queue: 'q' }, now: () => 1 });
  return async () => (await emf.documents()) as Document[];
}

describe('EMF lines', () => {
  it('write counters as their increase since the last flush, gauges as their value', async () => {
    const telemetry = new MetricsTelemetry({ processMetrics: false });
    const flush = formatter(telemetry);
    telemetry.commandDecided({ type: 'credit', status: 'applied', replayed: false });
    telemetry.commandDecided({ type: 'credit', status: 'applied', replayed: true });
    telemetry.invalidCommand();
    telemetry.inFlight(3);
    const first = await flush();
    const plain = first.find((document) => 'InvalidCommands' in document);
    expect(plain).toMatchObject({ Queue: 'q', InvalidCommands: 1, MessagesInFlight: 3, ReusedKeys: 0, PollPaused: 0 });
    expect(first.find((document) => 'CommandsDecided' in document)).toMatchObject({
      type: 'credit',
      status: 'applied',
      reason: 'none',
      CommandsDecided: 2,
    });
    expect(first.find((document) => 'CommandsDecided' in document)?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([
      ['Queue', 'type', 'status', 'reason'],
      ['Queue'],
    ]);

    telemetry.invalidCommand();
    const second = await flush();
    expect(second.find((document) => 'InvalidCommands' in document)).toMatchObject({ InvalidCommands: 1, MessagesInFlight: 3 });
    expect(second.some((document) => 'CommandsDecided' in document)).toBe(false);
  });

  it('write latencies in milliseconds at their bucket bounds, at most 100 values a line', async () => {
    const telemetry = new MetricsTelemetry({ processMetrics: false });
    const flush = formatter(telemetry);
    telemetry.decideLatency(3);
    telemetry.decideLatency(40);
    telemetry.decideLatency(40);
    expect((await flush()).find((document) => 'DecideLatency' in document)?.DecideLatency).toEqual([5, 50, 50]);
    for (let index = 0; index < 1000; index++) telemetry.endToEndLatency(index % 2 === 0 ? 20 : 700_000);
    const values = (await flush()).find((document) => 'EndToEndLatency' in document)?.EndToEndLatency as number[];
    expect(values).toHaveLength(100);
    expect(new Set(values)).toEqual(new Set([25, 300_000]));
  });
});

describe("the deploy template's alarms and dashboard", () => {
  const template = buildTemplate();
  const emitted = new Set(Object.values(EMF_METRICS).map((metric) => metric.name));

  it('watch only metrics the worker writes, in its namespace, per command queue', () => {
    const alarms = Object.values(template.Resources).filter(
      (resource) => resource.Type === 'AWS::CloudWatch::Alarm' && resource.Properties.Namespace === METRICS_NAMESPACE,
    );
    expect(alarms.length).toBeGreaterThanOrEqual(3);
    for (const alarm of alarms) {
      expect(emitted).toContain(alarm.Properties.MetricName);
      expect(alarm.Properties.Dimensions).toEqual([{ Name: 'Queue', Value: { 'Fn::GetAtt': ['CommandQueue', 'QueueName'] } }]);
    }
    const body = (template.Resources.WorkerDashboard!.Properties.DashboardBody as { 'Fn::Sub': [string, unknown] })['Fn::Sub'][0];
    const widgets = (JSON.parse(body) as { widgets: { properties: { metrics: unknown[][] } }[] }).widgets;
    const names = widgets
      .flatMap((widget) => widget.properties.metrics.map((metric) => (metric[0] === METRICS_NAMESPACE ? metric[1] : undefined)))
      .filter(Boolean);
    for (const metricName of names) expect(emitted).toContain(metricName);
  });

  it('name worker variables the config schema knows', () => {
    for (const variable of observabilityEnvironment()) expect(Object.keys(EnvSchema.shape)).toContain(variable.Name);
  });
});
