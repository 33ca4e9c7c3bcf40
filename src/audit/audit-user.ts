import { formatStored, type Cents } from '../money/money.js';
import { balanceEffect } from './entry-effects.js';
import type { EntryFacts } from './entry-facts.js';
import { replayRecordedState } from './recorded-state.js';
import { replayWalletStatus } from './wallet-status.js';

/**
 * The audit of one user, pure: the user item as stored and the facts of its
 * entries in ledger order in, every discrepancy out.
 *
 * Chain: each chained entry must match its own content and the previous
 * chained entry; one that instead matches the entry before the previous
 * shows that previous one was inserted; a gap in `version` shows a removal.
 * Applied entries without a hash before the chain began are "unchained"
 * (written before the chain existed); one after it began is a discrepancy.
 *
 * Balances (rule 6): the applied entries are replayed in version order from
 * an opening balance. The seed balance is not recorded anywhere, so the
 * opening is the one the first entry implies: its newBalance minus its
 * effect; when that entry's own hash shows it was changed, its figures are
 * not trusted and the opening is the stored balance minus every effect.
 */
export type DiscrepancyKind =
  | 'entry_changed'
  | 'entry_missing'
  | 'entry_inserted'
  | 'unchained_after_chain'
  | 'version_order'
  | 'new_balance'
  | 'new_held'
  | 'open_holds'
  | 'negative_balance'
  | 'unknown_type'
  | 'unreadable_entry'
  | 'stored_balance'
  | 'stored_held'
  | 'stored_version'
  | 'chain_head'
  | 'unreadable_user'
  | 'orphan_entry'
  | 'stored_status'
  | 'status_rule'
  | 'entry_currency';

export interface Discrepancy {
  userId: string;
  /** The entry concerned; for a difference on the user item, the last applied entry (if any). */
  idempotentKey?: string;
  kind: DiscrepancyKind;
  detail: string;
}

export interface StoredUser {
  userId: string;
  balance?: Cents;
  held?: Cents;
  /** The open holds on the user item, and when it was last written by a decision. */
  holds?: ReadonlyMap<string, { amount: Cents; expiresAt: string }>;
  lastDecidedAt?: string;
  /** Absent on users created by other tools (treated as 0). */
  version?: number;
  chainHash?: string;
  /** As stored: absent on items made before wallets had a status (active). */
  status?: string;
  /** The wallet's currency; absent on items made before currencies. */
  currency?: string;
  unreadable?: string;
}

export interface UserAudit {
  userId: string;
  applied: number;
  rejected: number;
  unchained: number;
  discrepancies: Discrepancy[];
}

export function auditUser(user: StoredUser, entries: EntryFacts[]): UserAudit {
  const { userId } = user;
  const found: Discrepancy[] = [];
  const report = (kind: DiscrepancyKind, idempotentKey: string | undefined, detail: string) =>
    found.push({ userId, ...(idempotentKey !== undefined && { idempotentKey }), kind, detail });

  for (const entry of entries) if (entry.unreadable) report('unreadable_entry', entry.idempotentKey, entry.unreadable);
  const applied = entries.filter((entry) => !entry.unreadable && entry.status === 'applied');
  const rejected = entries.filter((entry) => !entry.unreadable && entry.status === 'rejected').length;

  // The chain: which chained entries fail their link, and which were inserted.
  const inserted = new Set<EntryFacts>();
  const setAside = new Set<EntryFacts>();
  const failing = new Set<EntryFacts>();
  let unchained = 0;
  let previousChained: EntryFacts | undefined;
  for (const entry of applied) {
    if (entry.hash === undefined) {
      if (previousChained) {
        report('unchained_after_chain', entry.idempotentKey, 'applied entry without a hash after the hash chain began (written by hand?)');
        setAside.add(entry);
      } else {
        unchained++;
      }
      continue;
    }
    if (!entry.linksToPrevious) {
      if (entry.linksToOneBefore && previousChained) {
        inserted.add(previousChained);
        setAside.add(previousChained);
        failing.delete(previousChained);
      } else {
        failing.add(entry);
      }
    }
    previousChained = entry;
  }
  for (const entry of inserted)
    report(
      'entry_inserted',
      entry.idempotentKey,
      'not part of the chain: the entry after it links to the one before it (inserted by hand)',
    );

  // Versions of what is left: strictly consecutive; a gap is an entry removed.
  const kept = applied.filter((entry) => !setAside.has(entry));
  const versionGap = new Map<EntryFacts, string>();
  let previousKept: EntryFacts | undefined;
  for (const entry of kept) {
    const version = entry.version ?? 0;
    const before = previousKept?.version ?? 0;
    if (previousKept && version <= before) {
      report('version_order', entry.idempotentKey, `version ${version} follows version ${before} (${previousKept.idempotentKey})`);
    } else if (version > before + 1) {
      versionGap.set(entry, version === before + 2 ? `version ${before + 1}` : `versions ${before + 1}..${version - 1}`);
    }
    previousKept = entry;
  }
  for (const entry of kept) {
    const gap = versionGap.get(entry);
    if (gap !== undefined) report('entry_missing', entry.idempotentKey, `${gap} missing before it: removed`);
    else if (failing.has(entry))
      report(
        'entry_changed',
        entry.idempotentKey,
        'stored hash does not match the entry content and the chain before it: changed or forged',
      );
  }

  // Balances: replay what is left once inserted entries are set aside.
  const replayed = kept;
  const last = replayed.at(-1);
  const unknown = replayed.filter((entry) => balanceEffect(entry) === undefined);
  for (const entry of unknown)
    report(
      'unknown_type',
      entry.idempotentKey,
      `the audit does not know how type ${JSON.stringify(entry.type)} moves a balance (src/audit/entry-effects.ts)`,
    );
  if (user.unreadable) {
    report('unreadable_user', last?.idempotentKey, user.unreadable);
  } else if (replayed.length > 0 && user.balance !== undefined) {
    // The first entry's figures open the replay, unless its own hash shows it was changed.
    const first = replayed[0] as EntryFacts;
    const opening = failing.has(first)
      ? replayed.reduce((balance, entry) => balance - (balanceEffect(entry) ?? 0n), user.balance)
      : (first.newBalance ?? 0n) - (balanceEffect(first) ?? 0n);
    found.push(...replay(user, replayed, opening, versionGap));
  } else if (user.balance !== undefined && user.balance < 0n) {
    report('negative_balance', undefined, `stored balance ${formatStored(user.balance)} is negative`);
  }

  // The user item against its last entry.
  const lastChained = [...replayed].reverse().find((entry) => entry.hash !== undefined);
  if (lastChained && user.chainHash !== lastChained.hash) {
    report(
      'chain_head',
      lastChained.idempotentKey,
      user.chainHash === undefined ? 'user has no chainHash but chained entries' : "user's chainHash is not the hash of its last entry",
    );
  } else if (!lastChained && user.chainHash !== undefined) {
    report('chain_head', last?.idempotentKey, 'user has a chainHash but no chained entry');
  }
  const lastVersion = last?.version ?? 0;
  if ((user.version !== undefined || lastVersion > 0) && !user.unreadable && (user.version ?? 0) !== lastVersion) {
    report('stored_version', last?.idempotentKey, `stored version ${user.version ?? '(none)'}, the last applied entry has ${lastVersion}`);
  }
  found.push(...replayRecordedState(user, entries, setAside));
  found.push(...replayWalletStatus(user, replayed));
  if (user.held !== undefined) {
    if (user.held < 0n) report('stored_held', last?.idempotentKey, `stored held ${formatStored(user.held)} is negative`);
    const lastHeld = [...replayed].reverse().find((entry) => entry.newHeld !== undefined);
    if (lastHeld?.newHeld !== undefined && lastHeld.newHeld !== user.held) {
      report(
        'stored_held',
        lastHeld.idempotentKey,
        `stored held ${formatStored(user.held)}, the last entry leaves ${formatStored(lastHeld.newHeld)}`,
      );
    }
  }
  return { userId, applied: applied.length, rejected, unchained, discrepancies: found };
}

/**
 * Rule 6 from the opening balance. An entry is reported when its newBalance
 * is neither what the replay gives nor what its predecessor's newBalance and
 * its own effect give: a changed newBalance is then reported at its entry
 * only (not at the next one, which follows the replay), and a changed amount
 * at its entry only (not at every later one, which follow their
 * predecessor). The first entry at which the ledger stops being consistent
 * always fails both, so nothing inconsistent goes unreported. The stored
 * balance likewise: reported when it is neither the replay's end nor the
 * last entry's newBalance.
 */
function replay(user: StoredUser, entries: EntryFacts[], opening: Cents, resyncAt: Map<EntryFacts, string>): Discrepancy[] {
  const found: Discrepancy[] = [];
  const report = (kind: DiscrepancyKind, idempotentKey: string | undefined, detail: string) =>
    found.push({ userId: user.userId, ...(idempotentKey !== undefined && { idempotentKey }), kind, detail });
  let balance = opening;
  let previousRecorded = opening;
  for (const entry of entries) {
    const effect = balanceEffect(entry);
    const recorded = entry.newBalance ?? 0n;
    if (effect === undefined || resyncAt.has(entry)) {
      // Unknown effect, or entries missing before it (reported already): continue from what it recorded.
      balance = recorded;
    } else {
      balance += effect;
      const fromPrevious = previousRecorded + effect;
      if (recorded !== balance && recorded !== fromPrevious) {
        report(
          'new_balance',
          entry.idempotentKey,
          `newBalance ${formatStored(recorded)}, the replay gives ${formatStored(balance)}${fromPrevious === balance ? '' : ` (${formatStored(fromPrevious)} from the entry before it)`}`,
        );
      }
    }
    if (recorded < 0n) report('negative_balance', entry.idempotentKey, `newBalance ${formatStored(recorded)} is negative`);
    previousRecorded = recorded;
  }
  const last = entries.at(-1);
  if (user.balance !== undefined && user.balance !== balance && user.balance !== previousRecorded) {
    report(
      'stored_balance',
      last?.idempotentKey,
      `stored balance ${formatStored(user.balance)}, the replay ends at ${formatStored(balance)}`,
    );
  }
  return found;
}
