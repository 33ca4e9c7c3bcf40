/**
 * What SQS lets into a message body or a string attribute: #x9 | #xA | #xD |
 * #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF. Anything else (other
 * control characters, U+FFFE/U+FFFF, unpaired surrogates) makes SendMessage
 * fail, for that message and for ever.
 */
const NOT_SQS_TEXT = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * What every SQS implementation accepts, emulators included: fauxqs checks
 * UTF-16 units and refuses astral characters (and so each half of a pair).
 */
const NOT_PORTABLE_TEXT = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/g;

export function isSqsText(text: string): boolean {
  NOT_SQS_TEXT.lastIndex = 0;
  return !NOT_SQS_TEXT.test(text);
}

/** The text with every character SQS refuses replaced by U+FFFD, for text we only echo (issue messages, reasons). */
export function toSqsText(text: string): string {
  return text.replace(NOT_SQS_TEXT, '\uFFFD');
}

/**
 * JSON.stringify for a message body: every UTF-16 unit outside the portable
 * range is written as a `\uXXXX` escape. Such units only occur inside string
 * literals, so the result decodes to the same value, and the body is accepted
 * by SQS and by every emulator whatever the strings held.
 */
export function toSqsJson(value: unknown): string {
  return JSON.stringify(value).replace(NOT_PORTABLE_TEXT, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Cuts text to at most `max` UTF-16 units without splitting a surrogate pair, marking the cut with an ellipsis. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
