import { describe, expect, it } from 'vitest';
import { TEST_RUN } from '../../scripts/chaos/chaos-options.js';
import { runChaos } from '../../scripts/chaos/harness.js';

/**
 * The chaos harness of `npm run chaos`, small: its own embedded stack (DynamoDB
 * Local on disk, restarted once on the same port), two worker processes, one
 * SIGKILL mid-batch, SDK faults before and after calls, and the same checks;
 * then the two outage phases, short but far past the old retry budget, with
 * the default maxReceiveCount and visibility timeout and nothing redriven;
 * then corrupt items among the traffic and a hot wallet throttled in bursts.
 * Wallets are opened, frozen, unfrozen, drained and closed among it all.
 */
describe('chaos', () => {
  it('keeps every invariant through a worker kill, a DynamoDB restart, injected SDK faults, two DynamoDB outages (refusing, hanging) with default settings, corrupt items and a throttled hot wallet', async () => {
    const lines: string[] = [];
    const result = await runChaos(TEST_RUN, (line) => lines.push(line));
    expect(result.problems, lines.join('\n')).toEqual([]);
    expect(result.figures).toMatchObject({
      lost: 0,
      double_applied: 0,
      negative_balances: 0,
      ledger_consistent: true,
      replies_missing: 0,
      dlq_before_redrive: 0,
    });
    expect(result.figures.commands).toBeGreaterThanOrEqual(TEST_RUN.plan.commands + 2 * TEST_RUN.outage.commandsPerPhase);
    // Wallets opened, frozen, unfrozen and closed among the traffic (the prelude's opens and closes at least).
    expect(result.figures.wallet_commands).toBeGreaterThanOrEqual(
      (TEST_RUN.plan.wallets?.opened ?? 0) + 2 * (TEST_RUN.plan.wallets?.closed ?? 0),
    );
    expect(result.figures.outage_commands).toBeGreaterThanOrEqual(2 * TEST_RUN.outage.commandsPerPhase);
    expect(result.figures.worker_kills).toBeGreaterThanOrEqual(1);
    expect(result.figures.ddb_restarts).toBeGreaterThanOrEqual(1);
    expect(result.figures.deliveries).toBeGreaterThan(result.figures.commands);
    expect(Object.keys(result.faults)).toEqual(expect.arrayContaining(['before', 'after']));
    expect(result.figures.outage_ms).toEqual({ refused: TEST_RUN.outage.refuseMs, hung: TEST_RUN.outage.hangMs });
    expect(result.figures.outage_drain_ms).toEqual({ refused: expect.any(Number), hung: expect.any(Number) });
    // Corrupt items among the traffic and a hot wallet throttled in bursts: only the poison is dead-lettered.
    expect(result.figures.bulkhead).toMatchObject({
      poison_sent: 6,
      poison_dead_lettered: 6,
      healthy_dead_lettered: 0,
      drain_ms: expect.any(Number),
    });
    expect(result.figures.bulkhead?.throttled_transactions).toBeGreaterThan(0);
  }, 300_000);
});
