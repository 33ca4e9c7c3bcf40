import type { CreditOrDebit as Command } from '../../src/messages/command.js';

/**
 * The workload: `count` valid commands spread round-robin over the users,
 * credits and small debits alternating (the opening balance covers every
 * debit, so each one is applied and costs the full write path).
 */
export function benchCommands(runId: string, count: number, userIds: readonly string[]): Command[] {
  return Array.from({ length: count }, (_, index) => ({
    idempotentKey: commandKey(runId, index),
    userId: userIds[index % userIds.length] as string,
    amount: `${1 + (index % 97)}.${String(index % 100).padStart(2, '0')}`,
    type: index % 2 === 0 ? 'credit' : 'debit',
  }));
}

export function commandKey(runId: string, index: number): string {
  return `${runId}-${index}`;
}

/** The index a bench key was built from, or -1 for a key of another run. */
export function commandIndex(runId: string, key: string): number {
  if (!key.startsWith(`${runId}-`)) return -1;
  const index = Number(key.slice(runId.length + 1));
  return Number.isInteger(index) ? index : -1;
}
