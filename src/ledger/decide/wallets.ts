import type { CommandOf } from '../../messages/command.js';
import type { TransactionRecord, UserState, WalletStatus } from '../model.js';
import type { Draft } from './draft.js';

/**
 * The wallet commands (SPEC "Wallets"): they move no money, so their applied
 * records carry an amount of 0 and the balance as it stands; like every
 * entry they are chained, versioned and ordered in the wallet's history.
 */

/**
 * open: a new wallet, balance 0, `active`, in the named currency. An id that
 * exists (in any status) is the sticky `wallet_exists`, and the refusal
 * reveals nothing of that wallet (replies.ts shows the currency named, no balance).
 */
export function decideOpen(draft: Draft, command: CommandOf<'open'>): TransactionRecord {
  const existing = draft.user(command.userId);
  if (existing) return draft.reject(command, 'wallet_exists', existing);
  const timestamp = draft.timeFor(null);
  const opened: UserState = {
    userId: command.userId,
    currency: command.currency,
    status: 'active',
    ...(command.metadata !== undefined && { metadata: command.metadata }),
    balance: 0n,
    version: 1,
    lastDecidedAt: timestamp,
    holds: new Map(),
  };
  draft.setUser(opened);
  return draft.applied(draft.base(command, timestamp), 0n, opened);
}

/**
 * freeze / unfreeze: the wallet's status becomes `frozen` / `active`;
 * asking for the status it already has is applied and changes nothing else.
 * A closed wallet stays closed (`wallet_closed`).
 */
export function decideFreezeOrUnfreeze(draft: Draft, command: CommandOf<'freeze' | 'unfreeze'>): TransactionRecord {
  const user = draft.user(command.userId);
  if (!user) return draft.reject(command, 'user_not_found', null);
  if (user.status === 'closed') return draft.reject(command, 'wallet_closed', user);
  return withStatus(draft, command, user, command.type === 'freeze' ? 'frozen' : 'active');
}

/**
 * close: for good, and only when nothing is left in it: a balance other
 * than 0 or a hold still reserving money is `wallet_not_empty` (expired
 * holds reserve nothing and are pruned by the close itself).
 */
export function decideClose(draft: Draft, command: CommandOf<'close'>): TransactionRecord {
  const user = draft.user(command.userId);
  if (!user) return draft.reject(command, 'user_not_found', null);
  if (user.status === 'closed') return draft.reject(command, 'wallet_closed', user);
  const touched = draft.touched(user, draft.timeFor(user));
  if (user.balance !== 0n || touched.holds.size > 0) return draft.reject(command, 'wallet_not_empty', user);
  return withStatus(draft, command, user, 'closed');
}

function withStatus(
  draft: Draft,
  command: CommandOf<'freeze' | 'unfreeze' | 'close'>,
  user: UserState,
  status: WalletStatus,
): TransactionRecord {
  const timestamp = draft.timeFor(user);
  const after: UserState = { ...draft.touched(user, timestamp), status, version: user.version + 1 };
  draft.setUser(after);
  return draft.applied(draft.base(command, timestamp), 0n, after);
}
