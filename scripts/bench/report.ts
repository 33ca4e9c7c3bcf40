import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { coresBusy, type CpuSpent } from './cpu.js';
import type { DirectRun } from './direct-apply.js';
import type { EndToEndRun } from './end-to-end.js';
import { costsPerCommand, emptyMeters, type WorkerMeters } from './meter.js';
import type { BenchOptions } from './options.js';
import { scalingLines, type ScalingReport } from './scaling.js';
import type { ScenarioResult } from './scenarios.js';
import { formatMarkdownTable, formatTable } from './table.js';
import { ratioOf, round, type BenchResult } from './stats.js';

export interface BenchReport {
  at: string;
  options: BenchOptions;
  machine: { cpus: number; loadAtStart: number[]; loadAtEnd: number[] };
  durationSeconds: number;
  probes: DirectRun[];
  /** The same probes on the skewed workload (its ceiling uses the best of them). */
  zipfProbes: DirectRun[];
  seedStyle: DirectRun;
  /** The queue part alone (receive, reply, delete; no DynamoDB), at the start and at the end; `tps` is the better one. */
  queueOnly: { before: EndToEndRun; after: EndToEndRun; tps: number };
  scenarios: {
    uniform: ScenarioResult;
    hot: ScenarioResult;
    zipf: ScenarioResult;
    latencyHot?: ScenarioResult;
    latencyUniform?: ScenarioResult;
  };
  scaling?: ScalingReport;
}

const RESULTS_DIR = 'bench/results';

/** Writes the figures as JSON and the tables as Markdown; returns the JSON's path. */
export async function writeResults(report: BenchReport): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const base = join(RESULTS_DIR, `bench-${report.at.replaceAll(':', '-')}`);
  await writeFile(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(`${base}.md`, formatReport(report, { markdown: true }));
  return `${base}.json`;
}

const ms = (value: number) => round(value, 1).toFixed(1);
const tps = (value: number) => String(round(value));
const fixed = (value: number, digits: number) => round(value, digits).toFixed(digits);

/** The RESULT line's figures, from the report. */
export function resultOf(report: BenchReport): BenchResult {
  const { uniform, hot, zipf, latencyHot } = report.scenarios;
  return {
    e2eTps: uniform.grouped.tps,
    ceilingTps: uniform.ceiling.tps,
    p50Ms: uniform.groupedPaced.latencyMs.p50,
    p99Ms: uniform.groupedPaced.latencyMs.p99,
    seedStyleTps: report.seedStyle.tps,
    hotUserTps: hot.grouped.tps,
    hotUserCeilingTps: hot.ceiling.tps,
    zipfTps: zipf.grouped.tps,
    zipfCeilingTps: zipf.ceiling.tps,
    latencyHotTps: latencyHot?.grouped.tps ?? 0,
    latencyHotCeilingTps: latencyHot?.ceiling.tps ?? 0,
    wcuPerCommandHot: e2eCosts(hot.grouped).wcu,
    uniformEngineTps: uniform.engine.tps,
    hotEngineTps: hot.engine.tps,
    zipfEngineTps: zipf.engine.tps,
    workerCpuMsPerCommandUniform: workerCpuPerCommand(uniform.grouped),
    workerCpuMsPerCommandHot: workerCpuPerCommand(hot.grouped),
  };
}

/** The worker processes' CPU per command over a measured run (0 when the worker ran inside the driver). */
export function workerCpuPerCommand(run: EndToEndRun): number {
  return run.commands > 0 ? run.cpu.workerMs / run.commands : 0;
}

function e2eCosts(run: EndToEndRun) {
  return costsPerCommand(run.meters, run.commands, run.userItemBytes);
}

const HEADERS = [
  'run',
  'design',
  'commands',
  'offered/s',
  'tps',
  'x ceiling',
  'p50 ms',
  'p99 ms',
  'DDB req/cmd',
  'cmd/txn',
  'WCU/cmd',
  'SQS req/cmd',
  'cancelled',
  'CPU ms/cmd drv+wrk+ddb',
  'cores busy',
  'worker RSS MB',
];

/** CPU per command of driver, worker and JVM, and how many of the machine's cores the run kept busy. */
function cpuCells(cpu: CpuSpent | undefined, commands: number, elapsedMs: number): string[] {
  if (!cpu) return ['-', '-'];
  const per = (ms: number) => fixed(commands > 0 ? ms / commands : 0, 2);
  return [`${per(cpu.driverMs)}+${per(cpu.workerMs)}+${per(cpu.dynamodbMs)}`, fixed(coresBusy(cpu, elapsedMs), 2)];
}

function directRow(name: string, run: DirectRun, ceilingTps: number): string[] {
  const costs = costsPerCommand(run.meters ?? emptyMeters(), run.commands, run.userItemBytes ?? 0);
  return [
    name,
    run.style === 'engine'
      ? `grouped, ${run.concurrency} held`
      : run.style === 'largest-group'
        ? `1+${round(run.commands / Math.max(1, run.meters?.writes.transactions ?? 1))} actions, serial`
        : `1 txn/cmd c=${run.concurrency}`,
    String(run.commands),
    '-',
    tps(run.tps),
    fixed(ratioOf(run.tps, ceilingTps), 2),
    ms(run.latencyMs.p50),
    ms(run.latencyMs.p99),
    fixed(costs.ddbRequests, 3),
    fixed(costs.commandsPerTransaction, 1),
    fixed(costs.wcu, 3),
    '-',
    String(costs.cancelled),
    ...cpuCells(run.cpu, run.commands, run.elapsedMs),
    '-',
  ];
}

function e2eRow(name: string, run: EndToEndRun, ceilingTps: number): string[] {
  const costs = e2eCosts(run);
  const grouping =
    run.workerReports.length > 0 && costs.transactions > 0 ? (costs.commandsPerTransaction > 1.01 ? 'grouped' : '1 txn/cmd') : 'queue only';
  return [
    name,
    `${grouping}${run.workers === 0 ? ' (in driver)' : ''}`,
    String(run.commands),
    run.rate ? `${tps(run.rate)} (sent ${tps(run.sentPerSecond)})` : 'saturated',
    tps(run.tps),
    ceilingTps > 0 ? fixed(ratioOf(run.tps, ceilingTps), 2) : '-',
    ms(run.latencyMs.p50),
    ms(run.latencyMs.p99),
    fixed(costs.ddbRequests, 3),
    fixed(costs.commandsPerTransaction, 1),
    fixed(costs.wcu, 3),
    fixed(costs.sqsRequests, 3),
    String(costs.cancelled),
    ...cpuCells(run.cpu, run.commands, run.elapsedMs),
    run.workerReports.map((worker) => `${worker.memoryAtStart.rssMb}/${worker.memoryPeak.rssMb}/${worker.memoryAtEnd.rssMb}`).join(' '),
  ];
}

function scenarioLines(title: string, scenario: ScenarioResult, table: Table): string[] {
  const { ceiling, engine, grouped, groupedPaced, off, offPaced, groupedAtOffLoad } = scenario;
  const rows = [
    directRow('ceiling before', ceiling.before, ceiling.tps),
    directRow('ceiling after', ceiling.after, ceiling.tps),
    directRow('engine only, no queue', engine, ceiling.tps),
    ...(scenario.largestGroup ? [directRow('largest group, back to back', scenario.largestGroup, ceiling.tps)] : []),
    e2eRow('e2e saturated', grouped, ceiling.tps),
    e2eRow('e2e at 70%', groupedPaced, ceiling.tps),
    ...(off ? [e2eRow('e2e saturated, grouping off', off, ceiling.tps)] : []),
    ...(offPaced ? [e2eRow('e2e at 70% of off, grouping off', offPaced, ceiling.tps)] : []),
    ...(groupedAtOffLoad ? [e2eRow('e2e at the same load, grouped', groupedAtOffLoad, ceiling.tps)] : []),
  ];
  const lines = [
    `## ${title}: ${scenario.spec.users} user${scenario.spec.users === 1 ? '' : 's'}, ${scenario.spec.distribution}` +
      (scenario.spec.walletMix
        ? `; end-to-end runs with ${Math.round(scenario.spec.walletMix.openedShare * 100)}% of users opened through open, ` +
          `a freeze/unfreeze pair every ${scenario.spec.walletMix.pairEvery} commands (the engine-only run the same; the ceiling: credits and debits only)`
        : ''),
    table(HEADERS, rows),
    `ceiling (mean of before and after) = ${tps(ceiling.tps)} tps; grouped e2e / ceiling = ${fixed(ratioOf(grouped.tps, ceiling.tps), 3)}` +
      (off ? `; grouped / grouping off = ${fixed(ratioOf(grouped.tps, off.tps), 2)}` : ''),
    `pipeline against its own engine (same run, same warm-up): e2e saturated / engine only = ${tps(grouped.tps)} / ${tps(engine.tps)} = ${fixed(ratioOf(grouped.tps, engine.tps), 3)}; ` +
      `worker CPU ${fixed(workerCpuPerCommand(grouped), 3)} ms per command saturated, ${fixed(workerCpuPerCommand(groupedPaced), 3)} at 70%`,
  ];
  if (scenario.largestGroup) {
    const largest = scenario.largestGroup;
    lines.push(
      `one user's bound under grouping: its transactions are serial, so at most ${round(largest.commands / Math.max(1, largest.meters?.writes.transactions ?? 1))} commands ` +
        `per ${ms(largest.latencyMs.p50)} ms (p50 of the largest transaction) = ${tps(largest.tps)}/s = ${fixed(ratioOf(largest.tps, ceiling.tps), 2)} x the ceiling`,
    );
  }
  if (offPaced && groupedAtOffLoad) {
    lines.push(
      `same offered load (${tps(offPaced.rate ?? 0)}/s): p99 grouped ${ms(groupedAtOffLoad.latencyMs.p99)} ms vs one transaction per command ${ms(offPaced.latencyMs.p99)} ms`,
    );
  }
  const busy = (run: { meters?: { ddb: { busyMs: Record<string, number> } }; elapsedMs: number }) =>
    `${Math.round((100 * (run.meters?.ddb.busyMs.TransactWriteItems ?? 0)) / Math.max(1, run.elapsedMs))}%`;
  lines.push(
    `DynamoDB writing (at least one TransactWriteItems in flight): engine only ${busy(engine)} of its run, e2e saturated ${busy(grouped)}, e2e at 70% ${busy(groupedPaced)}` +
      (off ? `, grouping off ${busy(off)}` : ''),
  );
  const series = grouped.workerReports[0]?.memorySeries ?? [];
  if (series.length >= 4) {
    const at = (fraction: number) =>
      series[Math.min(series.length - 1, Math.floor(fraction * (series.length - 1)))] as { rssMb: number; heapUsedMb: number };
    lines.push(
      `worker memory over the grouped saturated run (at 0/25/50/75/100%): heap ${[0, 0.25, 0.5, 0.75, 1].map((fraction) => at(fraction).heapUsedMb).join('/')} MB, ` +
        `RSS ${[0, 0.25, 0.5, 0.75, 1].map((fraction) => at(fraction).rssMb).join('/')} MB`,
    );
  }
  const checks = [grouped, groupedPaced, off, offPaced, groupedAtOffLoad].filter((run): run is EndToEndRun => run !== undefined);
  lines.push(
    `checks: ${checks.reduce((sum, run) => sum + run.duplicateReplies, 0)} duplicate replies, ${checks.reduce((sum, run) => sum + run.rejected, 0)} rejected, ` +
      `${checks.reduce((sum, run) => sum + run.balanceMismatches, 0)} balances off (of ${checks.reduce((sum, run) => sum + run.balancesChecked, 0)} checked); ` +
      `user item ${grouped.userItemBytes} B, largest record ${grouped.meters.writes.maxPutBytes} B`,
  );
  return lines;
}

/**
 * Each target of issue 10 with what this run measured, and the bound this
 * machine puts on it: the slower of the queue alone and the database side
 * alone (the engine without the queue, or for one user its largest
 * transactions back to back), over the same ceiling.
 */
export function targetLines(report: BenchReport, table: Table = formatTable): string[] {
  const result = resultOf(report);
  const { uniform, hot, zipf, latencyHot } = report.scenarios;
  const queue = report.queueOnly.tps;
  const bound = (scenario: ScenarioResult | undefined) =>
    scenario ? fixed(ratioOf(Math.min(queue, scenario.largestGroup?.tps ?? Infinity, scenario.engine.tps), scenario.ceiling.tps), 2) : '-';
  const p99Off = uniform.offPaced?.latencyMs.p99;
  const p99Grouped = uniform.groupedAtOffLoad?.latencyMs.p99;
  const rows: [string, string, string, boolean | undefined][] = [
    [
      'ratio >= 3 (uniform)',
      fixed(ratioOf(result.e2eTps, result.ceilingTps), 2),
      bound(uniform),
      ratioOf(result.e2eTps, result.ceilingTps) >= 3,
    ],
    [
      'hot_ratio >= 10',
      fixed(ratioOf(result.hotUserTps, result.hotUserCeilingTps), 2),
      bound(hot),
      ratioOf(result.hotUserTps, result.hotUserCeilingTps) >= 10,
    ],
    [
      'zipf_ratio >= 3',
      fixed(ratioOf(result.zipfTps, result.zipfCeilingTps), 2),
      bound(zipf),
      ratioOf(result.zipfTps, result.zipfCeilingTps) >= 3,
    ],
    [
      'latency_profile_hot_ratio >= 20',
      fixed(ratioOf(result.latencyHotTps, result.latencyHotCeilingTps), 2),
      bound(latencyHot),
      latencyHot ? ratioOf(result.latencyHotTps, result.latencyHotCeilingTps) >= 20 : undefined,
    ],
    ...(['uniform', 'hot', 'zipf'] as const).map((name): [string, string, string, boolean] => {
      const over = ratioOf(report.scenarios[name].grouped.tps, report.scenarios[name].engine.tps);
      return [`e2e_over_engine_${name} >= 0.9`, fixed(over, 3), '-', over >= 0.9];
    }),
    ...(['uniform', 'hot'] as const).map((name): [string, string, string, boolean] => {
      const run = report.scenarios[name].grouped;
      const cpu = workerCpuPerCommand(run);
      const system = run.cpu.workerSystemMs === undefined ? '' : ` (kernel ${fixed(run.cpu.workerSystemMs / run.commands, 3)})`;
      return [`worker_cpu_ms_per_command_${name} <= 0.25`, `${fixed(cpu, 3)}${system}`, '-', cpu > 0 && cpu <= 0.25];
    }),
    ['wcu_per_command_hot <= 2.2', fixed(result.wcuPerCommandHot, 3), '-', result.wcuPerCommandHot <= 2.2],
    ['e2e_tps >= 3 x seed_style_tps', fixed(ratioOf(result.e2eTps, result.seedStyleTps), 2), '-', result.e2eTps >= 3 * result.seedStyleTps],
    [
      'p99 at 70% load <= one-transaction design at the same load (uniform)',
      p99Off !== undefined && p99Grouped !== undefined ? `${ms(p99Grouped)} vs ${ms(p99Off)} ms` : '-',
      '-',
      p99Off !== undefined && p99Grouped !== undefined ? p99Grouped <= p99Off : undefined,
    ],
  ];
  return [
    table(
      ['target', 'measured', 'bound here', 'met'],
      rows.map(([name, measured, limit, met]) => [name, measured, limit, met === undefined ? '-' : met ? 'yes' : 'NO']),
    ),
    "bound here = min(queue only, engine only, one user's largest transactions back to back) / the same ceiling",
  ];
}

type Table = (headers: readonly string[], rows: readonly (readonly string[])[]) => string;

/** What a run asked of DynamoDB Local's serial writer: transactions, the wall time one was in flight, and the JVM's CPU. */
function storeSide(run: { commands: number; elapsedMs: number; meters?: WorkerMeters; cpu?: CpuSpent }) {
  const transactions = run.meters?.ddb.requests.TransactWriteItems ?? 0;
  const busyMs = run.meters?.ddb.busyMs.TransactWriteItems ?? 0;
  return {
    transactions,
    busyFraction: run.elapsedMs > 0 ? busyMs / run.elapsedMs : 0,
    msPerTransaction: transactions > 0 ? busyMs / transactions : 0,
    jvmCpuMsPerTransaction: transactions > 0 ? (run.cpu?.dynamodbMs ?? 0) / transactions : 0,
    jvmCoresWhileBusy: busyMs > 0 ? (run.cpu?.dynamodbMs ?? 0) / busyMs : 0,
    coresBusy: run.cpu ? coresBusy(run.cpu, run.elapsedMs) : 0,
  };
}

/**
 * Why the pipeline falls below its engine, per scenario, from meters of the
 * same run. Both drive the same serial DynamoDB Local, so for the same
 * commands e2e / engine = (engine elapsed) / (e2e elapsed), which splits
 * exactly into: how many transactions each needed (engine / e2e), how long
 * one took in flight (engine / e2e), and how much of the run one was in
 * flight (e2e / engine: 1 means the pipeline kept the store as busy as the
 * engine alone did). The JVM's CPU per transaction and its cores while a
 * transaction was in flight say whether a slower transaction was more work
 * or the same work with less of a core (the queue path's processes sharing
 * the machine's cores with it).
 */
export function engineGapLines(report: BenchReport, table: Table = formatTable): string[] {
  const rows = (['uniform', 'hot', 'zipf'] as const).map((name) => {
    const { engine, grouped } = report.scenarios[name];
    const e = storeSide(engine);
    const g = storeSide(grouped);
    const factor = (a: number, b: number) => fixed(ratioOf(a, b), 3);
    return [
      name,
      factor(grouped.tps, engine.tps),
      `${factor(e.transactions, g.transactions)} (${e.transactions} / ${g.transactions})`,
      `${factor(e.msPerTransaction, g.msPerTransaction)} (${fixed(e.msPerTransaction, 1)} / ${fixed(g.msPerTransaction, 1)} ms)`,
      `${factor(g.busyFraction, e.busyFraction)} (${fixed(g.busyFraction, 3)} / ${fixed(e.busyFraction, 3)})`,
      `${fixed(e.jvmCpuMsPerTransaction, 1)} / ${fixed(g.jvmCpuMsPerTransaction, 1)}`,
      `${fixed(e.jvmCoresWhileBusy, 2)} / ${fixed(g.jvmCoresWhileBusy, 2)}`,
      `${fixed(e.coresBusy, 2)} / ${fixed(g.coresBusy, 2)}`,
    ];
  });
  return [
    table(
      [
        'scenario',
        'e2e / engine',
        '= transactions (engine / e2e)',
        'x time per transaction (engine / e2e)',
        'x store busy (e2e / engine)',
        'JVM CPU ms per transaction (engine / e2e)',
        'JVM cores while busy (engine / e2e)',
        'cores busy, all processes (engine / e2e)',
      ],
      rows,
    ),
    'the three factors multiply to e2e / engine (same commands, same serial store); "store busy" < 1 would mean the pipeline left the store idle',
  ];
}

/** The report as text tables (stdout), or as Markdown (`markdown: true`, the file next to the JSON). */
export function formatReport(report: BenchReport, { markdown = false }: { markdown?: boolean } = {}): string {
  const table: Table = markdown ? formatMarkdownTable : formatTable;
  const { probes, zipfProbes, seedStyle, queueOnly, scenarios } = report;
  const best = probes.reduce((found, run) => (run.tps > found.tps ? run : found));
  const zipfBest = zipfProbes.reduce((found, run) => (run.tps > found.tps ? run : found));
  const lines = [
    '',
    `## Direct runs (no queue): ceiling probes and seed-style on ${report.options.users} users, probes on the skewed workload (${report.options.zipfUsers} users)`,
    table(HEADERS, [
      ...probes.map((run) => directRow('ceiling probe', run, best.tps)),
      directRow('seed-style (4 calls)', seedStyle, best.tps).map((cell, index) =>
        index === 1 ? `4 calls/cmd c=${seedStyle.concurrency}` : cell,
      ),
      ...zipfProbes.map((run) => directRow('Zipf ceiling probe', run, zipfBest.tps)),
    ]),
    '',
    '## Queue only (fauxqs: receive, reply, delete; no DynamoDB) - bounds every e2e figure below',
    table(HEADERS, [e2eRow('queue only, at the start', queueOnly.before, 0), e2eRow('queue only, at the end', queueOnly.after, 0)]),
    `queue only (the better of start and end) = ${tps(queueOnly.tps)} tps`,
    '',
    ...scenarioLines('uniform', scenarios.uniform, table),
    '',
    ...scenarioLines('hot user', scenarios.hot, table),
    '',
    ...scenarioLines('skewed (Zipf s=1)', scenarios.zipf, table),
    ...(scenarios.latencyHot
      ? [
          '',
          ...scenarioLines(`latency profile: hot user, +${report.options.latencyMs} ms each way to DynamoDB`, scenarios.latencyHot, table),
        ]
      : []),
    ...(scenarios.latencyUniform
      ? [
          '',
          ...scenarioLines(
            `latency profile: uniform, +${report.options.latencyMs} ms each way to DynamoDB`,
            scenarios.latencyUniform,
            table,
          ),
        ]
      : []),
    '',
    '## Targets',
    ...targetLines(report, table),
    '',
    '## Where the pipeline falls below its engine (same run)',
    ...engineGapLines(report, table),
    '',
    `workers: ${report.options.workers} process(es), WALLET_POLLERS=${report.options.pollers} (up to ${report.options.pollers * 10} messages in flight per worker), ` +
      `saturated window ${report.scenarios.uniform.grouped.window}; run took ${Math.round(report.durationSeconds)} s`,
    `warm-up: ${report.options.e2eWarmupCommands} commands (users of their own) before every end-to-end and engine-only run, ${report.options.warmupCommands} direct writes before the first direct run` +
      (report.options.e2eWarmupCommands < 10_000 ? " (fewer than the full bench's 10,000: CPU per command reads high)" : ''),
    `load average (${report.machine.cpus} CPUs): ${report.machine.loadAtStart.map((load) => load.toFixed(2)).join(' ')} at start, ${report.machine.loadAtEnd.map((load) => load.toFixed(2)).join(' ')} at end`,
  ];
  if (report.scaling) lines.push('', ...scalingLines(report.scaling));
  // In Markdown every block (table, paragraph line) needs a blank line after it, or it runs into the next.
  return `${(markdown ? lines.filter((line) => line !== '').map((line) => `${line}\n`) : lines).join('\n')}\n`;
}

export function printReport(report: BenchReport, out: NodeJS.WritableStream = process.stdout): void {
  out.write(formatReport(report));
}
