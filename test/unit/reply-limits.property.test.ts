import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replyForInvalid } from '../../src/ledger/replies.js';
import { parseCommandBody, type Command } from '../../src/messages/command.js';
import type { Reply } from '../../src/messages/reply.js';
import { isSqsText } from '../../src/messages/sqs-text.js';
import { serializeReply } from '../../src/queue/reply-publisher.js';
import { badBody, validCommand, validText } from '../support/bad-commands.js';

const runs = { numRuns: 300, seed: 20261125 };
const REPLY_BUDGET_BYTES = 8 * 1024;
/** What fauxqs (which checks UTF-16 units) accepts: a strict subset of SQS's characters. */
const PORTABLE_BODY = /^[\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD]*$/;

function expectPublishable(body: string): void {
  expect(() => JSON.parse(body)).not.toThrow();
  expect(Buffer.byteLength(body, 'utf8')).toBeLessThan(REPLY_BUDGET_BYTES);
  expect(isSqsText(body)).toBe(true);
  expect(PORTABLE_BODY.test(body)).toBe(true);
}

function invalidReplyBody(body: string): string | undefined {
  const parsed = parseCommandBody(body);
  if (parsed.ok) return undefined;
  const reply = replyForInvalid(parsed, new Date());
  return reply && serializeReply(reply);
}

/** Any text at all, unpaired surrogates, noncharacters and astral characters included. */
const anyText = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\ufffe', '\uffff', '\ud800', '\udfff', '\u{10ffff}', '\u{1f4b6}', '\u0000', '"', '\\'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
});

/** A body whose key is readable and which carries many unknown fields with any names. */
const bodyWithUnknownKeys = fc
  .tuple(validText(255), fc.dictionary(anyText, fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 300 }))
  .map(([idempotentKey, extra]) => JSON.stringify({ ...extra, idempotentKey, userId: 'u', amount: '1', type: 'credit' }));

/** A key or user id that is as long as allowed and made of characters that cost the most once written out. */
const costlyText = (max: number) =>
  fc.constantFrom('\u{1f4b6}'.repeat(max), '"'.repeat(max), '\u00e9'.repeat(max), '\u{10fffd}'.repeat(max));

describe('replies are always publishable (SPEC rule 8)', () => {
  it('gives any body an invalid_command reply that is valid JSON, under 8 KiB and made of characters SQS accepts', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          badBody,
          bodyWithUnknownKeys,
          anyText,
          anyText.map((text) => JSON.stringify({ idempotentKey: 'k', [text]: text })),
        ),
        (body) => {
          const reply = invalidReplyBody(body);
          if (reply !== undefined) expectPublishable(reply);
        },
      ),
      runs,
    );
  });

  it('keeps the reply small even with the longest, most costly key and user id and thousands of unknown keys', () => {
    fc.assert(
      fc.property(costlyText(255), costlyText(128), (idempotentKey, userId) => {
        const extra = Object.fromEntries(Array.from({ length: 5000 }, (_, index) => [`\u{1f4b6}unknown-${index}-\ufffe`, index]));
        const reply = invalidReplyBody(JSON.stringify({ ...extra, idempotentKey, userId, amount: '1e2', type: 'refund' }));
        expect(reply).toBeDefined();
        expectPublishable(reply ?? '');
        const messages = (JSON.parse(reply ?? '{}') as Reply).issues?.map((issue) => issue.message);
        expect(messages?.some((message) => /^Unrecognized keys: .*…$/.test(message))).toBe(true);
      }),
      { numRuns: 16 },
    );
  });

  it('gives every valid command a reply made of characters SQS accepts, astral ones included', () => {
    fc.assert(
      fc.property(validCommand, (command: Command) => {
        const reply: Reply = {
          ...command,
          status: 'applied',
          transactionId: 't',
          newBalance: '1.00',
          processedAt: new Date(0).toISOString(),
          replayed: false,
        };
        const body = serializeReply(reply);
        expectPublishable(body);
        expect(JSON.parse(body)).toEqual(reply);
      }),
      runs,
    );
  });
});
