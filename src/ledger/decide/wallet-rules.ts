import { commandMills, type MoneyCommand } from '../../messages/command.js';
import type { StickyRejection } from '../../messages/reply.js';
import { exponentOf } from '../../money/currencies.js';
import { isRepresentable } from '../../money/money.js';
import type { UserState } from '../model.js';
import type { Draft } from './draft.js';

/**
 * What a wallet's status and currency refuse before any money rule is
 * looked at (SPEC "Wallets"), in this order: a closed wallet refuses
 * everything; a named currency must be the wallet's; the amount must be
 * whole minor units of it; a frozen wallet refuses what would take money
 * out on its holder's behalf (`takesOut`: debit, transfer as payer, hold,
 * capture) but still takes credits, incoming transfers, releases and
 * reversals. Undefined when the wallet may go on to the money rules.
 */
export function walletRefusal(
  draft: Draft,
  command: MoneyCommand,
  user: UserState,
  { takesOut }: { takesOut: boolean },
): StickyRejection | undefined {
  const status = user.status ?? 'active';
  if (status === 'closed') return 'wallet_closed';
  const currency = draft.currencyOf(user);
  if (command.currency !== undefined && command.currency !== currency) return 'currency_mismatch';
  const amount = commandMills(command);
  if (amount !== undefined && !isRepresentable(amount, exponentOf(currency))) return 'amount_not_representable';
  if (takesOut && status === 'frozen') return 'wallet_frozen';
  return undefined;
}

/**
 * Whether a transfer's recipient can take it: a closed wallet takes nothing
 * (`recipient_closed`) and there is no conversion between currencies
 * (`currency_mismatch`). A frozen recipient still receives.
 */
export function recipientRefusal(draft: Draft, payer: UserState, recipient: UserState): StickyRejection | undefined {
  if (recipient.status === 'closed') return 'recipient_closed';
  if (draft.currencyOf(recipient) !== draft.currencyOf(payer)) return 'currency_mismatch';
  return undefined;
}
