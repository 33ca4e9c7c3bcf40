import type { Message } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';

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

/**
 * Splits a received batch: the messages of listed senders go on to be
 * decided; the others are to be deleted unread (no effect, no reply), each
 * logged once with its SenderId.
 */
export function partitionBySender(
  allowlist: readonly string[] | undefined,
  messages: Message[],
  logger: Logger,
): { accepted: Message[]; refused: Message[] } {
  if (allowlist === undefined) return { accepted: messages, refused: [] };
  const accepted: Message[] = [];
  const refused: Message[] = [];
  for (const message of messages) {
    const sender = checkSender(allowlist, message.Attributes?.SenderId);
    if (sender.allowed) {
      accepted.push(message);
    } else {
      logger.warn(
        { messageId: message.MessageId, senderId: sender.senderId },
        'command from a sender not in WALLET_ALLOWED_SENDER_IDS: deleted without effect',
      );
      refused.push(message);
    }
  }
  return { accepted, refused };
}
