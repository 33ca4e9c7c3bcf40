import type { Config } from '../config.js';
import { UnitTooLargeError } from '../errors.js';
import type { Decision, DecideResult, RecordTransition, UserTransition } from './decide/ledger-state.js';
import type { TransactionRecord, UserState } from './model.js';
import { holdsToItem, openedWalletItem, recordToItem, storedNumber } from './item-codec.js';
import { actionBytes, addCost, fitsOne, NO_COST, type TransactLimits } from './round-budget.js';

/**
 * Turns decisions into TransactWriteItems actions: one Put per decision (only
 * if its key is new) and one Update or ConditionCheck per touched user (only
 * if the user is still exactly as read). Pure: no I/O.
 */

/** What each action of a chunk stands for, so a cancellation reason can be traced back. */
export type ActionTarget =
  | { kind: 'record'; decision: Decision; record: TransactionRecord }
  | { kind: 'user'; userId: string; transition: UserTransition }
  | { kind: 'reference'; key: string; transition: RecordTransition };

export interface Chunk {
  actions: TransactAction[];
  targets: ActionTarget[];
}

export { MAX_TRANSACT_ACTIONS } from './round-budget.js';

export interface ChunkLimits extends TransactLimits {
  /** false: every write unit (with grouping off, one command) is a transaction of its own. */
  grouping: boolean;
}

/**
 * Packs decisions into as few transactions as the limits allow (actions and
 * bytes, by the one budget function). A user's write always travels with
 * every record that depends on it (and a command touching several users
 * with all of them), so each chunk commits or cancels on its own without
 * breaking a rule.
 */
export function buildChunks(tables: Config['tables'], result: DecideResult, limits: ChunkLimits): Chunk[] {
  const chunks: Chunk[] = [];
  let current: Chunk = { actions: [], targets: [] };
  let used = NO_COST;
  for (const unit of writeUnits(result)) {
    const built = buildUnit(tables, result, unit);
    const cost = { actions: built.actions.length, bytes: built.actions.reduce((sum, action) => sum + actionBytes(action), 0) };
    if (!fitsOne(cost, limits))
      throw new UnitTooLargeError(`a write unit of ${cost.actions} actions and ${cost.bytes} bytes exceeds one transaction`);
    if (current.actions.length > 0 && (!limits.grouping || !fitsOne(addCost(used, cost), limits))) {
      chunks.push(current);
      current = { actions: [], targets: [] };
      used = NO_COST;
    }
    current.actions.push(...built.actions);
    current.targets.push(...built.targets);
    used = addCost(used, cost);
  }
  if (current.actions.length > 0) chunks.push(current);
  return chunks;
}

function buildUnit(tables: Config['tables'], result: DecideResult, unit: WriteUnit): Chunk {
  const built: Chunk = { actions: [], targets: [] };
  for (const userId of unit.userIds) {
    const transition = result.users.get(userId);
    if (!transition) throw new Error(`no transition for user ${userId}`);
    built.actions.push(userAction(tables.users, userId, transition));
    built.targets.push({ kind: 'user', userId, transition });
  }
  for (const key of unit.references) {
    const transition = result.references.get(key);
    if (!transition) throw new Error(`no transition for record ${key}`);
    built.actions.push(referenceAction(tables.transactions, key, transition));
    built.targets.push({ kind: 'reference', key, transition });
  }
  for (const decision of unit.decisions) {
    for (const record of [decision.record, ...decision.legs]) {
      built.actions.push(recordPut(tables.transactions, record));
      built.targets.push({ kind: 'record', decision, record });
    }
  }
  return built;
}

interface WriteUnit {
  userIds: string[];
  references: string[];
  decisions: Decision[];
}

/**
 * Groups what must be written together: a decision joins every user and
 * referenced record it read, so units that share one are merged. Input order
 * is kept.
 */
function writeUnits(result: DecideResult): WriteUnit[] {
  const unitOf = new Map<string, WriteUnit>();
  const units: WriteUnit[] = [];
  const itemsOf = (decision: Decision) => [
    ...decision.userIds.map((userId) => `u:${userId}`),
    ...decision.references.map((key) => `r:${key}`),
  ];
  for (const decision of result.decisions) {
    const items = itemsOf(decision);
    const joined = [...new Set(items.map((item) => unitOf.get(item)).filter((unit): unit is WriteUnit => unit !== undefined))];
    const unit = joined[0] ?? { userIds: [], references: [], decisions: [] };
    if (joined.length === 0) units.push(unit);
    for (const other of joined.slice(1)) {
      unit.userIds.push(...other.userIds);
      unit.references.push(...other.references);
      unit.decisions.push(...other.decisions);
      units.splice(units.indexOf(other), 1);
      for (const userId of other.userIds) unitOf.set(`u:${userId}`, unit);
      for (const key of other.references) unitOf.set(`r:${key}`, unit);
    }
    for (const userId of decision.userIds) {
      if (unitOf.has(`u:${userId}`)) continue;
      unit.userIds.push(userId);
      unitOf.set(`u:${userId}`, unit);
    }
    for (const key of decision.references) {
      if (unitOf.has(`r:${key}`)) continue;
      unit.references.push(key);
      unitOf.set(`r:${key}`, unit);
    }
    unit.decisions.push(decision);
  }
  return units;
}

/**
 * A record another command read (a hold, an original): its bookkeeping
 * (closed, amount reversed) updated, or checked to be still as read, by its
 * `refVersion`; a record read as missing is checked to be still missing.
 */
export function referenceAction(transactionsTable: string, key: string, { before, after }: RecordTransition) {
  const Key = { idempotentKey: key };
  if (!before) {
    return {
      ConditionCheck: {
        TableName: transactionsTable,
        Key,
        ConditionExpression: 'attribute_not_exists(idempotentKey)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      },
    };
  }
  const seen = before.refVersion ?? 0;
  const condition = `attribute_exists(idempotentKey) AND ${seen === 0 ? '(attribute_not_exists(refVersion) OR refVersion = :seenRef)' : 'refVersion = :seenRef'}`;
  if (!after || after.refVersion === before.refVersion) {
    return {
      ConditionCheck: {
        TableName: transactionsTable,
        Key,
        ConditionExpression: condition,
        ExpressionAttributeValues: { ':seenRef': seen },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      },
    };
  }
  const sets = [
    'refVersion = :refVersion',
    ...(after.closedBy !== undefined ? ['closedBy = :closedBy'] : []),
    ...(after.reversedAmount !== undefined ? ['reversedAmount = :reversedAmount'] : []),
  ];
  return {
    Update: {
      TableName: transactionsTable,
      Key,
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: condition,
      ExpressionAttributeValues: {
        ':seenRef': seen,
        ':refVersion': after.refVersion ?? seen + 1,
        ...(after.closedBy !== undefined && { ':closedBy': after.closedBy }),
        ...(after.reversedAmount !== undefined && { ':reversedAmount': storedNumber(after.reversedAmount) }),
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
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
  if (!before && after) {
    // A wallet opened: created whole, only if the id is still unused.
    return {
      Put: {
        TableName: usersTable,
        Item: openedWalletItem(after),
        ConditionExpression: 'attribute_not_exists(userId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      },
    };
  }
  if (!before || !after) {
    return {
      ConditionCheck: {
        TableName: usersTable,
        Key: key,
        ConditionExpression: 'attribute_not_exists(userId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      },
    };
  }
  if (after === before) {
    // Read but not changed (the recipient of a refused transfer): only checked to be still as read.
    return {
      ConditionCheck: {
        TableName: usersTable,
        Key: key,
        ConditionExpression: unchangedCondition(before),
        ExpressionAttributeValues: seenValues(before),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      },
    };
  }
  if (after.balance < 0n) throw new Error(`decision would leave user ${userId} negative`);
  // Users that never held money keep no holds attribute (items made by other tools stay as they are).
  const withHolds = before.holds.size > 0 || after.holds.size > 0;
  // Only a wallet command changes the status (and it always moves the version the condition checks).
  const withStatus = after.status !== undefined && after.status !== (before.status ?? 'active');
  return {
    Update: {
      TableName: usersTable,
      Key: key,
      // chainHash: the hash of the user's last applied entry, the end of its audit chain.
      UpdateExpression: `SET balance = :balance, version = :version, lastDecidedAt = :decidedAt, updatedAt = :decidedAt${withHolds ? ', holds = :holds' : ''}${withStatus ? ', #status = :status' : ''}${after.chainHash ? ', chainHash = :chainHash' : ''}`,
      ConditionExpression: unchangedCondition(before),
      ...(withStatus && { ExpressionAttributeNames: { '#status': 'status' } }),
      ExpressionAttributeValues: {
        ...seenValues(before),
        ...(withStatus && { ':status': after.status }),
        ':balance': storedNumber(after.balance),
        ':version': after.version,
        ':decidedAt': after.lastDecidedAt ?? before.lastDecidedAt,
        ...(withHolds && { ':holds': holdsToItem(after.holds) }),
        ...(after.chainHash && { ':chainHash': after.chainHash }),
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
}

/**
 * The user is still as read: balance, version, and the time of its last
 * decision. Rejections move only that time, so without it a worker holding
 * an older copy could record an entry before one already recorded.
 */
function unchangedCondition(user: UserState): string {
  // Users made by other tools have no version: it counts as 0.
  const version = user.version === 0 ? '(attribute_not_exists(version) OR version = :seenVersion)' : 'version = :seenVersion';
  // Not a string (another tool's value) reads as no decision yet; any decision of ours writes a string.
  const decidedAt =
    user.lastDecidedAt === undefined
      ? '(attribute_not_exists(lastDecidedAt) OR NOT attribute_type(lastDecidedAt, :stringType))'
      : 'lastDecidedAt = :seenDecidedAt';
  return `attribute_exists(userId) AND balance = :seenBalance AND ${version} AND ${decidedAt}`;
}

function seenValues(user: UserState) {
  return {
    ':seenBalance': storedNumber(user.balance),
    ':seenVersion': user.version,
    ...(user.lastDecidedAt === undefined ? { ':stringType': 'S' } : { ':seenDecidedAt': user.lastDecidedAt }),
  };
}

/**
 * The one transaction of the one-transaction-per-command design (the user
 * update and the record, from a state already known): what the benchmark's
 * ceiling measures, built by the same functions as every group.
 */
export function singleCommandItems(
  tables: Config['tables'],
  record: TransactionRecord & { status: 'applied' },
  before: UserState,
): (ReturnType<typeof recordPut> | ReturnType<typeof userAction>)[] {
  const after = { ...before, balance: record.newBalance, version: record.version, lastDecidedAt: record.timestamp };
  return [userAction(tables.users, record.userId, { before, after }), recordPut(tables.transactions, record)];
}

export type TransactAction = ReturnType<typeof recordPut> | ReturnType<typeof userAction> | ReturnType<typeof referenceAction>;
