/**
 * Which senders the worker takes commands from (WALLET_ALLOWED_SENDER_IDS).
 * A second line behind the command queue's resource policy: even a principal
 * that somehow may send to the queue moves no money unless it is listed.
 *
 * SQS stamps every message with the system attribute `SenderId`: an IAM
 * user's id (`AIDA…`), or for a role `<role id>:<session name>`
 * (`AROA…:i-0abc`). An entry matches the SenderId itself or, for a role's id,
 * every session of that role (`AROA…` matches `AROA…:anything`).
 * No list (undefined): every sender is accepted, as before.
 */
export type SenderCheck = { allowed: true } | { allowed: false; senderId: string | undefined };

export function checkSender(allowlist: readonly string[] | undefined, senderId: string | undefined): SenderCheck {
  if (allowlist === undefined) return { allowed: true };
  if (senderId !== undefined && allowlist.some((entry) => senderId === entry || senderId.startsWith(`${entry}:`))) return { allowed: true };
  return { allowed: false, senderId };
}
