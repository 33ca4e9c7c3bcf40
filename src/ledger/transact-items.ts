import { NumberValue } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.js';
import { formatCents } from '../money/money.js';
import type { Decision, DecideResult, UserTransition } from './decide/ledger-state.js';
import { recordToItem, type TransactionRecord, type UserState } from './items.js';

/**
 * Turns decisions into TransactWriteItems actions: one Put per decision (only
 * if its key is new) and one Update or ConditionCheck per touched user (only
 * if the user is still exactly as read). Pure: no I/O.
 */

/** What each action of a chunk stands for, so a cancellation reason can be traced back. */
export type ActionTarget = { kind: 'record'; decision: Decision } | { kind: 'user'; userId: string; transition: UserTransition };

export interface Chunk {
  actions: TransactAction[];
  targets: ActionTarget[];
}

/** DynamoDB's limit on actions per TransactWriteItems. */
export const MAX_TRANSACT_ACTIONS = 100;

/**
 * Packs decisions into as few transactions as the limits allow. A user's
 * write always travels with every record that depends on it (and a command
 * touching several users with all of them), so each chunk commits or
 * cancels on its own without breaking a rule. Item sizes are bounded by the
 * command schema (a record is well under 2 KB), so 100 actions stay far
 * below the 4 MB transaction limit; actions are the only bound to check.
 */
export function buildChunks(tables: Config['tables'], result: DecideResult, maxActions = MAX_TRANSACT_ACTIONS): Chunk[] {
  const chunks: Chunk[] = [];
  let current: Chunk = { actions: [], targets: [] };
  for (const unit of writeUnits(result)) {
    const size = unit.userIds.length + unit.decisions.length;
    if (size > maxActions) throw new Error(`a write unit of ${size} actions exceeds ${maxActions}: the engine must take fewer commands per user`);
    if (current.actions.length + size > maxActions) {
      chunks.push(current);
      current = { actions: [], targets: [] };
    }
    for (const userId of unit.userIds) {
      const transition = result.users.get(userId);
      if (!transition) throw new Error(`no transition for user ${userId}`);
      current.actions.push(userAction(tables.users, userId, transition));
      current.targets.push({ kind: 'user', userId, transition });
    }
    for (const decision of unit.decisions) {
      current.actions.push(recordPut(tables.transactions, decision.record));
      current.targets.push({ kind: 'record', decision });
    }
  }
  if (current.actions.length > 0) chunks.push(current);
  return chunks;
}

interface WriteUnit {
  userIds: string[];
  decisions: Decision[];
}

/** Groups users that must be written together (a decision touching two users joins them), keeping input order. */
function writeUnits(result: DecideResult): WriteUnit[] {
  const unitOf = new Map<string, WriteUnit>();
  const units: WriteUnit[] = [];
  for (const decision of result.decisions) {
    const joined = [...new Set(decision.userIds.map((userId) => unitOf.get(userId)).filter((unit): unit is WriteUnit => unit !== undefined))];
    const unit = joined[0] ?? { userIds: [], decisions: [] };
    if (joined.length === 0) units.push(unit);
    for (const other of joined.slice(1)) {
      unit.userIds.push(...other.userIds);
      unit.decisions.push(...other.decisions);
      units.splice(units.indexOf(other), 1);
      for (const userId of other.userIds) unitOf.set(userId, unit);
    }
    for (const userId of decision.userIds) {
      if (!unitOf.has(userId)) {
        unit.userIds.push(userId);
        unitOf.set(userId, unit);
      }
    }
    unit.decisions.push(decision);
  }
  return units;
}

export function recordPut(transactionsTable: string, record: TransactionRecord) {
  return {
    Put: {
      TableName: transactionsTable,
      Item: recordToItem(record),
      ConditionExpression: 'attribute_not_exists(idempotentKey)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
}

/**
 * The user's part: a check that an unknown user is still unknown, or an
 * Update to the state after the decisions, conditional on the state they
 * were decided on (balance and version), so nothing is ever decided on a
 * stale read. Rejections write too (the time of the last decision), which
 * keeps the user's history in decision order.
 */
export function userAction(usersTable: string, userId: string, { before, after }: UserTransition) {
  const key = { userId };
  if (!before || !after) {
    return { ConditionCheck: { TableName: usersTable, Key: key, ConditionExpression: 'attribute_not_exists(userId)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } };
  }
  if (after.balance < 0n) throw new Error(`decision would leave user ${userId} negative`);
  return {
    Update: {
      TableName: usersTable,
      Key: key,
      UpdateExpression: 'SET balance = :balance, version = :version, lastDecidedAt = :decidedAt, updatedAt = :decidedAt',
      ConditionExpression: unchangedCondition(before),
      ExpressionAttributeValues: {
        ...seenValues(before),
        ':balance': NumberValue.from(formatCents(after.balance)),
        ':version': after.version,
        ':decidedAt': after.lastDecidedAt ?? before.lastDecidedAt,
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
}

function unchangedCondition(user: UserState): string {
  // Users made by other tools have no version: it counts as 0.
  const version = user.version === 0 ? '(attribute_not_exists(version) OR version = :seenVersion)' : 'version = :seenVersion';
  return `attribute_exists(userId) AND balance = :seenBalance AND ${version}`;
}

function seenValues(user: UserState) {
  return { ':seenBalance': NumberValue.from(formatCents(user.balance)), ':seenVersion': user.version };
}

/**
 * The one transaction of the one-transaction-per-command design (the user
 * update and the record, from a state already known): what the benchmark's
 * ceiling measures, built by the same functions as every group.
 */
export function singleCommandItems(tables: Config['tables'], record: TransactionRecord & { status: 'applied' }, before: UserState): TransactAction[] {
  const after = { ...before, balance: record.newBalance, version: record.version, lastDecidedAt: record.timestamp };
  return [userAction(tables.users, record.userId, { before, after }), recordPut(tables.transactions, record)];
}

export type TransactAction = ReturnType<typeof recordPut> | ReturnType<typeof userAction>;
