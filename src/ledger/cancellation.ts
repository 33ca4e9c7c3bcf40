import { CorruptItemError } from '../errors.js';
import type { CancellationReason } from './commit.js';
import type { Decision } from './decide/ledger-state.js';
import { parseRecord, parseUser } from './item-codec.js';
import type { TransactionRecord, UserState } from './model.js';
import type { ActionTarget } from './transact-items.js';

/**
 * Cancellation settlement: what a cancelled transaction tells, action by
 * action, and what becomes of each of its decisions. Pure: the engine
 * applies the verdicts (cache, retries, replies).
 *
 * Each decision is judged on its own items (a bulkhead): only a decision
 * whose own key exists, or whose own user or record changed, is affected;
 * the others in the same transaction were cancelled for a neighbour and are
 * decided again free of charge.
 */

/** Reasons that say the store is under pressure (ridden out like an outage, never charged to the command). */
const PRESSURE = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);
/** Reasons that say the item changed under the decision (another writer, or one in flight). */
const CHANGED = new Set(['ConditionalCheckFailed', 'TransactionConflict']);

export type Verdict =
  /** Its key holds a record now: decided again, it is answered from that record. */
  | { kind: 'key-exists'; record: TransactionRecord }
  /** Its key holds a record that is not money data: it can never be decided. */
  | { kind: 'poison'; error: CorruptItemError }
  /**
   * An item it read changed: decided again, charged to that item's owner.
   * `settled`: the change is over and its result known (a failed condition),
   * so it is decided again at once; otherwise (a transaction still in flight
   * on the item) after a backoff.
   */
  | { kind: 'changed'; item: string; settled: boolean }
  /** An item it writes is throttled: ridden out, not charged. */
  | { kind: 'throttled' }
  /** Cancelled for a neighbour's sake: decided again, not charged. */
  | { kind: 'bystander' };

export type Settlement =
  /** The SDK resent a request that had committed: each Put finds its own record. */
  | { kind: 'committed-before' }
  /** A reason that says the request itself is wrong: its commands fail (retried later, then dead-lettered). */
  | { kind: 'fault'; code: string }
  | {
      kind: 'split';
      verdicts: Map<Decision, Verdict>;
      /** Users as DynamoDB handed them back (null: absent; an error: not money data); the others stay as known. */
      users: Map<string, UserState | null | CorruptItemError>;
      /** Referenced records that changed: read afresh next round. */
      staleReferences: Set<string>;
    };

export function settleCancellation(targets: readonly ActionTarget[], reasons: readonly CancellationReason[]): Settlement {
  const reasonAt = (index: number): CancellationReason => reasons[index] ?? { code: 'None' };
  const committedBefore = targets.some((target, index) => {
    const reason = reasonAt(index);
    return (
      target.kind === 'record' && reason.code === 'ConditionalCheckFailed' && reason.item?.transactionId === target.record.transactionId
    );
  });
  if (committedBefore) return { kind: 'committed-before' };
  const fault = targets
    .map((_, index) => reasonAt(index).code)
    .find((code) => code !== 'None' && !PRESSURE.has(code) && !CHANGED.has(code));
  if (fault) return { kind: 'fault', code: fault };

  const users = new Map<string, UserState | null | CorruptItemError>();
  const staleReferences = new Set<string>();
  /** Changed items, and whether the change is settled (a failed condition) rather than in flight. */
  const changed = new Map<string, boolean>();
  const pressed = new Set<string>();
  const verdicts = new Map<Decision, Verdict>();
  targets.forEach((target, index) => {
    const reason = reasonAt(index);
    if (reason.code === 'None') return;
    const id =
      target.kind === 'user'
        ? `u:${target.userId}`
        : target.kind === 'reference'
          ? `r:${target.key}`
          : `k:${target.decision.command.idempotentKey}`;
    if (PRESSURE.has(reason.code)) {
      pressed.add(id);
      return;
    }
    changed.set(id, reason.code === 'ConditionalCheckFailed');
    if (reason.code !== 'ConditionalCheckFailed') return;
    if (target.kind === 'user') users.set(target.userId, reason.item ? parseUser(reason.item) : null);
    else if (target.kind === 'reference') staleReferences.add(target.key);
    // The other user's leg exists only if the command's own record does.
    else if (target.record === target.decision.record) verdicts.set(target.decision, ownKeyVerdict(target.decision, reason));
  });
  for (const target of targets) {
    if (target.kind !== 'record' || verdicts.has(target.decision)) continue;
    const { decision } = target;
    const items = [
      `k:${decision.command.idempotentKey}`,
      ...decision.userIds.map((userId) => `u:${userId}`),
      ...decision.references.map((key) => `r:${key}`),
    ];
    const pressedItem = items.find((item) => pressed.has(item));
    const changedItem = items.find((item) => changed.has(item));
    const verdict: Verdict = pressedItem
      ? { kind: 'throttled' }
      : changedItem
        ? { kind: 'changed', item: changedItem, settled: items.every((item) => changed.get(item) !== false) }
        : { kind: 'bystander' };
    verdicts.set(decision, verdict);
  }
  return { kind: 'split', verdicts, users, staleReferences };
}

function ownKeyVerdict(decision: Decision, reason: CancellationReason): Verdict {
  if (!reason.item)
    return { kind: 'poison', error: new CorruptItemError(`key ${decision.command.idempotentKey} exists but its record was not returned`) };
  const stored = parseRecord(reason.item);
  return stored instanceof CorruptItemError ? { kind: 'poison', error: stored } : { kind: 'key-exists', record: stored };
}

/** Whose the changed item is, for the error that ends a command's retries (`u:alice` → user alice). */
export function describeItem(item: string): string {
  const [kind, ...rest] = item.split(':');
  const id = rest.join(':');
  return kind === 'u' ? `user ${id}` : kind === 'r' ? `record ${id}` : `key ${id}`;
}
