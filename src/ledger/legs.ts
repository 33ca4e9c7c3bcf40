import { createHash } from 'node:crypto';
import type { RecordBase } from './model.js';

/**
 * The other user's record of a two-user command (a transfer's recipient, a
 * reversed transfer's recipient): a "leg". It is that user's entry, so it is
 * stored under a reference of its own, never under (or showing) the payer's
 * key (SPEC "Money movement": nothing of the payer's key reaches the
 * recipient, in entries or cursors).
 */

/** Keys of the other user's records end so: a control character cannot occur in a command's key. */
export const LEG_SUFFIX = '\u001fleg';

/** The key a leg is stored under: its reference, suffixed (before legs had references, the payer's key was). */
export function legKey(reference: string): string {
  return `${reference}${LEG_SUFFIX}`;
}

/**
 * The reference of the other user's record of a two-user command, shown in
 * that user's history and cursors instead of the payer's key (nothing of it
 * is revealed). A hash of the payer's record's transaction id: the same for
 * every write of one decision, unguessable by the other user (who never sees
 * that id), and found again by an operator who holds the payer's record.
 */
export function legReference(mainTransactionId: string, userId: string): string {
  return `leg-${createHash('sha256').update(`leg\u001f${mainTransactionId}\u001f${userId}`).digest('hex').slice(0, 32)}`;
}

/** What a user's history shows as the key of an entry: its own key, or a leg's reference. */
export function shownReference(record: Pick<RecordBase, 'idempotentKey' | 'legOf' | 'transactionId'>): string {
  if (record.legOf === undefined) return record.idempotentKey;
  // A leg written before legs had references is keyed by the payer's key: shown by its own transaction id.
  if (record.idempotentKey === legKey(record.legOf) || !record.idempotentKey.endsWith(LEG_SUFFIX))
    return legReference(record.transactionId, '');
  return record.idempotentKey.slice(0, -LEG_SUFFIX.length);
}
