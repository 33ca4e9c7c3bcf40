import { readFileSync } from 'node:fs';

/**
 * CPU time of the processes a run uses, so a figure can show whether the
 * machine's cores, not the design, were the limit: on 2 cores, fauxqs (in
 * the driver), the worker and the DynamoDB Local JVM share the same CPU.
 */
export interface CpuSpent {
  driverMs: number;
  workerMs: number;
  /**
   * The kernel's part of workerMs (stime). Much of it is loopback TCP: a
   * process writing to fauxqs or the JVM on the same machine runs the
   * receiving side's network stack too, work a network card does elsewhere.
   */
  workerSystemMs?: number;
  dynamodbMs: number;
}

/** CPU time (user + system) of this process, in ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) of another process from /proc, in ms; 0 where /proc is not available. */
export function processCpuMs(pid: number): number {
  const { userMs, systemMs } = processCpu(pid);
  return userMs + systemMs;
}

/** User and system CPU time of another process from /proc, in ms; 0 where /proc is not available. */
export function processCpu(pid: number): { userMs: number; systemMs: number } {
  try {
    return parseProcStatCpu(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return { userMs: 0, systemMs: 0 };
  }
}

/** utime + stime of a /proc/<pid>/stat line, in ms. */
export function parseProcStatCpuMs(stat: string): number {
  const { userMs, systemMs } = parseProcStatCpu(stat);
  return userMs + systemMs;
}

/** utime and stime of a /proc/<pid>/stat line (fields 14 and 15, counted after the parenthesised name), in ms. */
export function parseProcStatCpu(stat: string): { userMs: number; systemMs: number } {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  const ms = (field: string | undefined) => {
    const ticks = Number(field);
    return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : 0;
  };
  return { userMs: ms(fields[11]), systemMs: ms(fields[12]) };
}

/** Cores kept busy over `elapsedMs` (2.0 = both cores of this machine, all the time). */
export function coresBusy(cpu: CpuSpent, elapsedMs: number): number {
  return elapsedMs > 0 ? (cpu.driverMs + cpu.workerMs + cpu.dynamodbMs) / elapsedMs : 0;
}

/** Starts counting the driver's and the JVM's CPU; the returned function says how much they spent since. */
export function cpuClock(dynamodbPid: number): () => CpuSpent {
  const driverAtStart = ownCpuMs();
  const dynamodbAtStart = processCpuMs(dynamodbPid);
  return () => ({ driverMs: ownCpuMs() - driverAtStart, workerMs: 0, dynamodbMs: processCpuMs(dynamodbPid) - dynamodbAtStart });
}
