import { CorruptItemError } from '../errors.js';
import type { Item, TransactionRecord, UserState } from './model.js';
import { recordFromItem, userFromItem } from './item-codec.js';

/**
 * Whether a stored item can be read as money data: its state, or the reason
 * it can never be used (the commands that read it are poison, SPEC rule 10).
 * Beyond its shape, an item this service wrote never holds a negative
 * balance or a hold of nothing: one that does was edited by hand.
 */
export function parseUser(item: Item): UserState | CorruptItemError {
  const user = parsed(() => userFromItem(item));
  if (user instanceof CorruptItemError) return user;
  if (user.balance < 0n) return new CorruptItemError(`user ${user.userId} has a negative balance`);
  for (const [key, hold] of user.holds) if (hold.amount <= 0n) return new CorruptItemError(`user ${user.userId} holds ${key} of no money`);
  return user;
}

export function parseRecord(item: Item): TransactionRecord | CorruptItemError {
  const record = parsed(() => recordFromItem(item));
  if (record instanceof CorruptItemError) return record;
  if ((record.amount ?? 0n) < 0n || (record.reversedAmount ?? 0n) < 0n) return new CorruptItemError(`transaction ${record.idempotentKey} has a negative amount`);
  return record;
}

function parsed<T>(parse: () => T): T | CorruptItemError {
  try {
    return parse();
  } catch (error) {
    if (error instanceof CorruptItemError) return error;
    throw error;
  }
}
