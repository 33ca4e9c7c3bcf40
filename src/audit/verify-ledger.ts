import { userFromItem } from '../ledger/item-codec.js';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchGetCommand,
  GetCommand,
  type BatchGetCommandOutput,
  QueryCommand,
  ScanCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.js';
import { CHAIN_HEAD_ATTRIBUTE } from '../ledger/chain.js';
import { HISTORY_INDEX } from '../resources/definitions.js';
import { auditUser, type Discrepancy, type StoredUser, type UserAudit } from './audit-user.js';
import { ChainWalker, money, numberText, type EntryFacts } from './entry-facts.js';

/**
 * `npm run verify`: the whole ledger, with bounded memory. A paged Scan of
 * Users; for each user its entries through the history index in ledger
 * order (only a few fields of each are kept, one user at a time); then a
 * paged Scan of Transactions for entries no user audit can see (their user
 * does not exist, or they are not in the history index).
 *
 * The history index is eventually consistent, so a user whose audit finds
 * something is audited once more after a pause (the worker may have been
 * writing it); only what is still there is reported.
 */
export interface AuditDeps {
  ddb: DynamoDBDocumentClient;
  config: Pick<Config, 'tables'>;
}

export interface AuditOptions {
  onProgress?: (progress: AuditProgress) => void;
  /** Users audited at once. */
  concurrency?: number;
  pageSize?: number;
  recheckDelayMs?: number;
  /** Discrepancies kept for the report (all are counted). */
  maxReported?: number;
}

export interface AuditProgress {
  phase: 'users' | 'entries';
  users: number;
  entries: number;
  discrepancies: number;
}

export interface AuditReport {
  users: number;
  applied: number;
  rejected: number;
  /** Applied entries written before the hash chain existed: not errors. */
  unchained: number;
  /** Items seen by the Scan of Transactions. */
  entriesScanned: number;
  discrepancyCount: number;
  discrepancies: Discrepancy[];
}

export async function auditLedger(deps: AuditDeps, options: AuditOptions = {}): Promise<AuditReport> {
  const { concurrency = 8, pageSize = 100, recheckDelayMs = 1_000, maxReported = 10_000 } = options;
  const report: AuditReport = {
    users: 0,
    applied: 0,
    rejected: 0,
    unchained: 0,
    entriesScanned: 0,
    discrepancyCount: 0,
    discrepancies: [],
  };
  const add = (found: Discrepancy[]) => {
    report.discrepancyCount += found.length;
    report.discrepancies.push(...found.slice(0, Math.max(0, maxReported - report.discrepancies.length)));
  };
  const progress = (phase: AuditProgress['phase']) =>
    options.onProgress?.({
      phase,
      users: report.users,
      entries: phase === 'users' ? report.applied + report.rejected : report.entriesScanned,
      discrepancies: report.discrepancyCount,
    });

  for await (const users of pages(deps.ddb, { TableName: deps.config.tables.users, Limit: pageSize, ConsistentRead: true })) {
    await forEachLimited(users, concurrency, async (item) => {
      let audit = await auditOneUser(deps, storedUser(item), pageSize);
      if (audit.discrepancies.length > 0 && recheckDelayMs > 0) {
        await sleep(recheckDelayMs);
        audit = await auditOneUser(deps, await readUser(deps, audit.userId), pageSize);
      }
      report.users++;
      report.applied += audit.applied;
      report.rejected += audit.rejected;
      report.unchained += audit.unchained;
      add(audit.discrepancies);
      progress('users');
    });
  }

  for await (const entries of pages(deps.ddb, {
    TableName: deps.config.tables.transactions,
    Limit: pageSize * 10,
    ProjectionExpression: '#key, userId, #status, #timestamp',
    ExpressionAttributeNames: { '#key': 'idempotentKey', '#status': 'status', '#timestamp': 'timestamp' },
  })) {
    report.entriesScanned += entries.length;
    add(await entriesNoUserAuditSees(deps, entries));
    progress('entries');
  }
  return report;
}

async function auditOneUser(deps: AuditDeps, user: StoredUser, pageSize: number): Promise<UserAudit> {
  const walker = new ChainWalker();
  const facts: EntryFacts[] = [];
  for await (const items of pages(
    deps.ddb,
    {
      TableName: deps.config.tables.transactions,
      IndexName: HISTORY_INDEX,
      KeyConditionExpression: 'userId = :userId',
      ExpressionAttributeValues: { ':userId': user.userId },
      ScanIndexForward: true,
      Limit: pageSize * 10,
    },
    'query',
  )) {
    for (const item of items) facts.push(walker.next(item));
  }
  return auditUser(user, facts);
}

async function readUser(deps: AuditDeps, userId: string): Promise<StoredUser> {
  const { Item } = await deps.ddb.send(new GetCommand({ TableName: deps.config.tables.users, Key: { userId }, ConsistentRead: true }));
  return Item ? storedUser(Item) : { userId, unreadable: 'the user item disappeared during the audit' };
}

function storedUser(item: Record<string, unknown>): StoredUser {
  const userId = String(item.userId);
  try {
    const chainHash = item[CHAIN_HEAD_ATTRIBUTE];
    return {
      userId,
      balance: money(item.balance, 'balance'),
      ...(item.held !== undefined && { held: money(item.held, 'held') }),
      ...(item.version !== undefined && { version: Number(numberText(item.version, 'version')) }),
      ...(typeof chainHash === 'string' && { chainHash }),
      ...(item.holds !== undefined && { holds: userFromItem(item).holds }),
      ...(typeof item.lastDecidedAt === 'string' && { lastDecidedAt: item.lastDecidedAt }),
      ...(item.status !== undefined && { status: typeof item.status === 'string' ? item.status : JSON.stringify(item.status) }),
      ...(typeof item.currency === 'string' && { currency: item.currency }),
    };
  } catch (error) {
    return { userId, unreadable: error instanceof Error ? error.message : String(error) };
  }
}

/** Applied entries whose user does not exist, and entries missing from the history index. */
async function entriesNoUserAuditSees(deps: AuditDeps, entries: Record<string, unknown>[]): Promise<Discrepancy[]> {
  const found: Discrepancy[] = [];
  const applied: { userId: string; idempotentKey: string }[] = [];
  for (const entry of entries) {
    const idempotentKey = String(entry.idempotentKey);
    if (typeof entry.userId !== 'string' || typeof entry.timestamp !== 'string') {
      found.push({
        userId: typeof entry.userId === 'string' ? entry.userId : '(none)',
        idempotentKey,
        kind: 'unreadable_entry',
        detail: 'no userId or timestamp: not in the history index, so outside every user audit',
      });
    } else if (entry.status === 'applied') {
      applied.push({ userId: entry.userId, idempotentKey });
    }
  }
  const existing = await existingUsers(deps, [...new Set(applied.map((entry) => entry.userId))]);
  for (const entry of applied) {
    if (!existing.has(entry.userId)) found.push({ ...entry, kind: 'orphan_entry', detail: 'applied entry of a user that does not exist' });
  }
  return found;
}

async function existingUsers(deps: AuditDeps, userIds: string[]): Promise<Set<string>> {
  const existing = new Set<string>();
  for (let start = 0; start < userIds.length; start += 100) {
    let keys: Record<string, unknown>[] | undefined = userIds.slice(start, start + 100).map((userId) => ({ userId }));
    for (let attempt = 0; keys && keys.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(1_000, 50 * 2 ** attempt));
      const result: BatchGetCommandOutput = await deps.ddb.send(
        new BatchGetCommand({ RequestItems: { [deps.config.tables.users]: { Keys: keys, ProjectionExpression: 'userId' } } }),
      );
      for (const item of result.Responses?.[deps.config.tables.users] ?? []) existing.add(String(item.userId));
      keys = result.UnprocessedKeys?.[deps.config.tables.users]?.Keys;
    }
  }
  return existing;
}

type PageInput = Record<string, unknown> & { TableName: string };

/** The items of a paged Scan or Query, a page at a time. */
async function* pages(
  ddb: DynamoDBDocumentClient,
  input: PageInput,
  operation: 'scan' | 'query' = 'scan',
): AsyncGenerator<Record<string, unknown>[]> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const request = { ...input, ...(startKey && { ExclusiveStartKey: startKey }) };
    const page = await ddb.send(operation === 'scan' ? new ScanCommand(request) : new QueryCommand(request));
    yield page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}
