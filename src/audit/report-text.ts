import type { Discrepancy } from './audit-user.js';
import type { AuditProgress, AuditReport } from './verify-ledger.js';

/** The audit's report for a person: a summary, then one line per discrepancy (user, key, what differs). */
export function reportText(report: AuditReport, source: string): string {
  const lines = [
    `ledger audit of ${source}`,
    `  users                 ${report.users}`,
    `  applied entries       ${report.applied}  (${report.unchained} unchained: written before the hash chain, not errors)`,
    `  rejected entries      ${report.rejected}`,
    `  Transactions scanned  ${report.entriesScanned}`,
    `  discrepancies         ${report.discrepancyCount}`,
    ...report.discrepancies.map(discrepancyLine),
    ...(report.discrepancyCount > report.discrepancies.length
      ? [`  … and ${report.discrepancyCount - report.discrepancies.length} more`]
      : []),
    report.discrepancyCount === 0
      ? 'ledger verified: no discrepancy'
      : `ledger NOT verified: ${report.discrepancyCount} discrepanc${report.discrepancyCount === 1 ? 'y' : 'ies'}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function discrepancyLine(discrepancy: Discrepancy): string {
  return `  - user ${JSON.stringify(discrepancy.userId)} key ${discrepancy.idempotentKey === undefined ? '-' : JSON.stringify(discrepancy.idempotentKey)}: ${discrepancy.kind}: ${discrepancy.detail}`;
}

export function progressText(progress: AuditProgress): string {
  return progress.phase === 'users'
    ? `auditing users: ${progress.users} users, ${progress.entries} entries, ${progress.discrepancies} discrepancies`
    : `scanning Transactions for entries of no user: ${progress.entries} scanned, ${progress.discrepancies} discrepancies`;
}
