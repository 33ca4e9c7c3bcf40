import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DirectRun } from './direct-apply.js';
import type { CeilingSearch } from './direct-phase.js';
import type { EndToEndRun } from './end-to-end.js';
import type { BenchOptions } from './options.js';
import type { ScalingReport } from './scaling.js';
import { formatTable } from './table.js';
import { round } from './stats.js';

export interface BenchReport {
  at: string;
  options: BenchOptions;
  machine: { loadAtStart: number[]; loadAtEnd: number[] };
  ceiling: CeilingSearch;
  readWrite: DirectRun;
  seedStyle: DirectRun;
  e2e: EndToEndRun;
  scaling?: ScalingReport;
}

const RESULTS_DIR = 'bench/results';

export async function writeResults(report: BenchReport): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `bench-${report.at.replaceAll(':', '-')}.json`);
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}

const ms = (value: number) => round(value, 1).toFixed(1);
const tps = (value: number) => String(round(value));

export function printReport(report: BenchReport, out: NodeJS.WritableStream = process.stdout): void {
  const { ceiling, e2e } = report;
  const directRow = (name: string, run: DirectRun) => [name, `c=${run.concurrency}`, String(run.commands), tps(run.tps), ms(run.latencyMs.p50), ms(run.latencyMs.p99)];
  const rows = [
    ...ceiling.probes.map((run) => directRow('ceiling probe', run)),
    directRow('ceiling before e2e', ceiling.before),
    directRow('ceiling after e2e', ceiling.after),
    directRow('read + TransactWrite', report.readWrite),
    directRow('seed-style (4 calls)', report.seedStyle),
    [`end to end`, e2e.workers === 0 ? 'in driver' : `${e2e.workers} proc`, String(e2e.commands), tps(e2e.tps), ms(e2e.latencyMs.p50), ms(e2e.latencyMs.p99)],
  ];
  const lines = [
    '',
    formatTable(['run', 'concurrency', 'commands', 'tps', 'p50 ms', 'p99 ms'], rows),
    '',
    `ceiling (mean of before and after) = ${tps(ceiling.tps)} tps`,
    `e2e / ceiling = ${round(e2e.tps / ceiling.tps, 3)}   e2e / read+write = ${round(e2e.tps / report.readWrite.tps, 3)}   e2e / seed-style = ${round(e2e.tps / report.seedStyle.tps, 2)}`,
    `e2e: window ${e2e.window || 'unbounded'}, last send at ${ms(e2e.publishMs)} ms (workers polling meanwhile), ${e2e.duplicateReplies} duplicate replies, ${e2e.rejected} rejected, ` +
      `${e2e.balanceMismatches}/${e2e.balancesChecked} balances off`,
    ...e2e.workerReports.map(
      (worker) => `worker ${worker.pid}: ${worker.decided} decided, RSS ${worker.memoryAtStart.rssMb} MB at start, ${worker.memoryPeak.rssMb} MB peak, ${worker.memoryAtEnd.rssMb} MB at end`,
    ),
    `load average: ${report.machine.loadAtStart.map((load) => load.toFixed(2)).join(' ')} at start, ${report.machine.loadAtEnd.map((load) => load.toFixed(2)).join(' ')} at end`,
  ];
  if (report.scaling) lines.push('', ...scalingLines(report.scaling));
  out.write(`${lines.join('\n')}\n`);
}

function scalingLines(scaling: ScalingReport): string[] {
  const rows = scaling.rows.map(({ dimension, e2e, ceiling }) => [
    dimension,
    String(e2e.workers),
    String(e2e.users),
    String(e2e.commands),
    tps(e2e.tps),
    tps(ceiling.tps),
    round(e2e.tps / ceiling.tps, 2).toFixed(2),
    ms(e2e.latencyMs.p50),
    ms(e2e.latencyMs.p99),
    e2e.workerReports.map((worker) => `${worker.memoryAtStart.rssMb}->${worker.memoryAtEnd.rssMb}`).join(' '),
  ]);
  const { transactWrite, readWrite } = scaling.hotUser;
  return [
    formatTable(['scaling', 'workers', 'users', 'commands', 'e2e tps', 'ceiling tps', 'ratio', 'p50 ms', 'p99 ms', 'worker RSS MB'], rows),
    '',
    `hot user bound: one TransactWrite at a time, p50 ${ms(transactWrite.latencyMs.p50)} ms -> ${tps(transactWrite.tps)} tps; ` +
      `GetItem + TransactWrite, p50 ${ms(readWrite.latencyMs.p50)} ms -> ${tps(readWrite.tps)} tps`,
  ];
}
