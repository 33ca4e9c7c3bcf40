import { DEFAULT_HOLD_SECONDS, type CommandOf } from '../../messages/command.js';
import type { StickyRejection } from '../../messages/reply.js';
import { parseAmount } from '../../money/money.js';
import type { TransactionRecord, UserState } from '../model.js';
import type { Draft } from './draft.js';
import { walletRefusal } from './wallet-rules.js';

/**
 * The most open holds one user may have. They live on the user item (so
 * `available` is checked atomically with the balance) and every write of the
 * user rewrites them: the bound keeps the item, and so each write's cost,
 * small (about 300 bytes a hold at most). Past it a hold is refused with the
 * sticky `hold_limit_reached`; expired holds do not count and are pruned.
 */
export const MAX_OPEN_HOLDS = 100;

/** hold: available −= amount until it is captured, released or expires; the balance is unchanged. */
export function decideHold(draft: Draft, command: CommandOf<'hold'>): TransactionRecord {
  const amount = parseAmount(command.amount);
  const user = draft.user(command.userId);
  if (!user) return draft.reject(command, 'user_not_found', null, amount);
  const refusal = walletRefusal(draft, command, user, { takesOut: true });
  if (refusal) return draft.reject(command, refusal, user, amount);
  if (draft.available(user) < amount) return draft.reject(command, 'insufficient_funds', user, amount);
  const timestamp = draft.timeFor(user);
  const touched = draft.touched(user, timestamp);
  if (touched.holds.size >= MAX_OPEN_HOLDS) return draft.reject(command, 'hold_limit_reached', user, amount);
  const expiresAt = new Date(Date.parse(timestamp) + (command.expiresInSeconds ?? DEFAULT_HOLD_SECONDS) * 1000).toISOString();
  const after = {
    ...touched,
    holds: new Map([...touched.holds, [command.idempotentKey, { amount, expiresAt }]]),
    version: user.version + 1,
  };
  draft.setUser(after);
  return draft.applied({ ...draft.base(command, timestamp), expiresAt }, amount, after);
}

/**
 * capture: balance −= amount (default: all of the hold; never more), the hold
 * closes and the rest is available again. release: the hold closes, nothing
 * is paid. Both only on an open, unexpired hold of the same user.
 */
export function decideCaptureOrRelease(draft: Draft, command: CommandOf<'capture' | 'release'>): TransactionRecord {
  const requested = command.type === 'capture' && command.amount !== undefined ? parseAmount(command.amount) : undefined;
  const user = draft.user(command.userId);
  if (!user) return draft.reject(command, 'user_not_found', null, requested);
  // A frozen wallet's holds may be released, not captured.
  const refusedByWallet = walletRefusal(draft, command, user, { takesOut: command.type === 'capture' });
  if (refusedByWallet) return draft.reject(command, refusedByWallet, user, requested);
  const hold = draft.reference(command.holdKey);
  const refusal = holdRefusal(draft, user, hold);
  if (refusal || !hold || hold.status !== 'applied') return draft.reject(command, refusal ?? 'hold_not_found', user, requested);
  const amount = command.type === 'release' ? hold.amount : (requested ?? hold.amount);
  if (amount > hold.amount) return draft.reject(command, 'amount_exceeds_hold', user, requested);
  const timestamp = draft.timeFor(user);
  const touched = draft.touched(user, timestamp);
  const holds = new Map(touched.holds);
  holds.delete(command.holdKey);
  const after = {
    ...touched,
    holds,
    balance: command.type === 'capture' ? user.balance - amount : user.balance,
    version: user.version + 1,
  };
  draft.setUser(after);
  draft.setReference({ ...hold, closedBy: command.idempotentKey });
  return draft.applied(draft.base(command, timestamp), amount, after);
}

/** Why a hold cannot be captured or released now; undefined when it is open. Another user's hold is not found (nothing revealed). */
function holdRefusal(draft: Draft, user: UserState, hold: TransactionRecord | null): StickyRejection | undefined {
  if (hold?.type !== 'hold' || hold.userId !== user.userId || hold.status !== 'applied' || hold.legOf !== undefined)
    return 'hold_not_found';
  if (hold.closedBy !== undefined || !user.holds.has(hold.idempotentKey)) {
    // Pruned after it expired, or closed by a capture or release.
    return hold.closedBy === undefined && hold.expiresAt !== undefined && Date.parse(hold.expiresAt) <= draft.at(user)
      ? 'hold_expired'
      : 'hold_closed';
  }
  if (hold.expiresAt !== undefined && Date.parse(hold.expiresAt) <= draft.at(user)) return 'hold_expired';
  return undefined;
}
