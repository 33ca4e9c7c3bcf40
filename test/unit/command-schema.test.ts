import { describe, expect, it } from 'vitest';
import { CommandSchema, commandFingerprint, MAX_COMMAND_BODY_BYTES, parseCommand, parseCommandBody } from '../../src/messages/command.js';

const valid = { idempotentKey: 'order-42-refund', userId: '0b6c-user', amount: '25.50', type: 'debit' };

describe('command schema', () => {
  it.each(['10', '0.5', '25.50', '0.001', '1.250'])('accepts amount %j', (amount) => {
    expect(CommandSchema.safeParse({ ...valid, amount }).success).toBe(true);
  });

  it.each(['1e2', ' 5', '5abc', '0.0001', '-1', '010', '0', '0.00', '0.000', '1000000000000000'])('refuses amount %j', (amount) => {
    const result = CommandSchema.safeParse({ ...valid, amount });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['amount']);
  });

  it('refuses a numeric amount (money travels as a string)', () => {
    expect(CommandSchema.safeParse({ ...valid, amount: 10 }).success).toBe(false);
  });

  it.each(['credit', 'debit'])('accepts type %s', (type) => {
    expect(CommandSchema.safeParse({ ...valid, type }).success).toBe(true);
  });

  it.each(['refund', 'CREDIT', '', 1])('refuses type %j', (type) => {
    expect(CommandSchema.safeParse({ ...valid, type }).success).toBe(false);
  });

  it('accepts keys of 1 and 255 characters, refuses 0 and 256', () => {
    expect(CommandSchema.safeParse({ ...valid, idempotentKey: 'k' }).success).toBe(true);
    expect(CommandSchema.safeParse({ ...valid, idempotentKey: 'k'.repeat(255) }).success).toBe(true);
    expect(CommandSchema.safeParse({ ...valid, idempotentKey: '' }).success).toBe(false);
    expect(CommandSchema.safeParse({ ...valid, idempotentKey: 'k'.repeat(256) }).success).toBe(false);
  });

  it('counts characters, not UTF-16 units, in the 255 limit', () => {
    expect(CommandSchema.safeParse({ ...valid, idempotentKey: '💶'.repeat(255) }).success).toBe(true);
  });

  it('accepts user ids of up to 128 characters only', () => {
    expect(CommandSchema.safeParse({ ...valid, userId: 'u'.repeat(128) }).success).toBe(true);
    expect(CommandSchema.safeParse({ ...valid, userId: 'u'.repeat(129) }).success).toBe(false);
    expect(CommandSchema.safeParse({ ...valid, userId: '' }).success).toBe(false);
  });

  it.each(['a\nb', 'a\u0000b', 'tab\there', 'del\u007f', 'c1\u0085'])('refuses control characters in keys and user ids (%j)', (text) => {
    expect(CommandSchema.safeParse({ ...valid, idempotentKey: text }).success).toBe(false);
    expect(CommandSchema.safeParse({ ...valid, userId: text }).success).toBe(false);
  });

  it('refuses unknown fields', () => {
    const result = CommandSchema.safeParse({ ...valid, colour: 'red' });
    expect(result.success).toBe(false);
  });

  it('refuses missing fields, naming each (the amount only once the type says one is needed)', () => {
    const result = parseCommand({});
    expect(!result.ok && result.issues.map((issue) => issue.path).sort()).toEqual(['idempotentKey', 'type', 'userId']);
    const credit = parseCommand({ type: 'credit' });
    expect(!credit.ok && credit.issues.map((issue) => issue.path).sort()).toEqual(['amount', 'idempotentKey', 'userId']);
  });
});

describe('parseCommandBody', () => {
  it('parses a valid body', () => {
    expect(parseCommandBody(JSON.stringify(valid))).toEqual({ ok: true, command: valid });
  });

  it('reports a non-JSON body without a key', () => {
    expect(parseCommandBody('not json')).toEqual({ ok: false, issues: [{ path: '', message: 'message body is not valid JSON' }] });
  });

  it.each(['null', '[]', '"text"', '42'])('reports a JSON body that is not an object (%s)', (body) => {
    const parsed = parseCommandBody(body);
    expect(parsed.ok).toBe(false);
  });

  it('keeps a readable key and user of an invalid command, for the reply', () => {
    const parsed = parseCommandBody(JSON.stringify({ ...valid, amount: '1e2' }));
    expect(parsed).toMatchObject({ ok: false, idempotentKey: valid.idempotentKey, userId: valid.userId });
  });

  it('does not echo a key that is itself invalid', () => {
    const parsed = parseCommandBody(JSON.stringify({ ...valid, idempotentKey: 'bad\nkey' }));
    expect(parsed.ok).toBe(false);
    expect(parsed).not.toHaveProperty('idempotentKey');
  });

  it('refuses a body over 256 KiB before parsing it', () => {
    const body = JSON.stringify({ ...valid, padding: 'x'.repeat(MAX_COMMAND_BODY_BYTES) });
    const parsed = parseCommandBody(body);
    expect(parsed).toMatchObject({ ok: false, issues: [{ message: expect.stringContaining('exceeds') }] });
  });

  it('still reads the key of an oversized body SQS can deliver, so its producer gets an invalid_command reply', () => {
    const body = JSON.stringify({ ...valid, padding: 'x'.repeat(MAX_COMMAND_BODY_BYTES) });
    expect(parseCommandBody(body)).toMatchObject({ ok: false, idempotentKey: valid.idempotentKey, userId: valid.userId });
  });

  it('does not look into a body larger than SQS allows (1 MiB)', () => {
    const body = JSON.stringify({ ...valid, padding: 'x'.repeat(1024 * 1024) });
    const parsed = parseCommandBody(body);
    expect(parsed).toMatchObject({ ok: false, issues: [{ message: expect.stringContaining('exceeds') }] });
    expect(parsed).not.toHaveProperty('idempotentKey');
  });
});

describe('command schema: text SQS can carry back', () => {
  it.each(['k\ufffe', '\uffff', 'k\ufdd0', 'k\u{1fffe}', 'k\u{10ffff}', 'lone\ud800', 'lone\udfff'])(
    'refuses noncharacters and unpaired surrogates in keys and user ids (%j), naming the field',
    (text) => {
      for (const field of ['idempotentKey', 'userId']) {
        const result = CommandSchema.safeParse({ ...valid, [field]: text });
        expect(result.success).toBe(false);
        expect(result.error?.issues.map((issue) => issue.message)).toContain(
          `${field} must not contain noncharacters (such as U+FFFE) or unpaired surrogates`,
        );
      }
    },
  );

  it.each(['José', 'order 42', '💶 refund', '\u{10fffd}'])('accepts other unicode text in keys and user ids (%j)', (text) => {
    expect(CommandSchema.safeParse({ ...valid, idempotentKey: text, userId: text }).success).toBe(true);
  });

  it('reports at most a few bounded issues for a body with thousands of unknown keys', () => {
    const extra = Object.fromEntries(Array.from({ length: 5000 }, (_, index) => [`unknown-field-${index}`, index]));
    const result = parseCommandBody(JSON.stringify({ ...valid, ...extra }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.idempotentKey).toBe(valid.idempotentKey);
    expect(result.issues.length).toBeLessThanOrEqual(11);
    expect(result.issues[0]?.message).toMatch(/^Unrecognized keys: "unknown-field-0"/);
    expect(result.issues[0]?.message.length).toBeLessThanOrEqual(200);
    expect(Buffer.byteLength(JSON.stringify(result.issues))).toBeLessThan(2048);
  });
});

describe('the money-movement commands', () => {
  it('refuses a capture, release or reversal that refers to its own key, and a transfer to the payer itself', () => {
    const own = { idempotentKey: 'k', userId: 'u' };
    for (const command of [
      { ...own, type: 'capture', holdKey: 'k' },
      { ...own, type: 'release', holdKey: 'k' },
      { ...own, type: 'reverse', originalKey: 'k' },
      { ...own, type: 'transfer', amount: '1', toUserId: 'u' },
    ]) {
      expect(parseCommand(command).ok, JSON.stringify(command)).toBe(false);
    }
    expect(parseCommand({ ...own, type: 'capture', holdKey: 'h' }).ok).toBe(true);
  });

  it('refuses a hold expiry outside 1 s to 30 days and fields of another type', () => {
    const hold = { idempotentKey: 'k', userId: 'u', type: 'hold', amount: '1' };
    expect(parseCommand({ ...hold, expiresInSeconds: 0 }).ok).toBe(false);
    expect(parseCommand({ ...hold, expiresInSeconds: 2_592_001 }).ok).toBe(false);
    expect(parseCommand({ ...hold, expiresInSeconds: 1.5 }).ok).toBe(false);
    expect(parseCommand({ ...hold, expiresInSeconds: 2_592_000 }).ok).toBe(true);
    expect(parseCommand({ ...hold, toUserId: 'v' }).ok).toBe(false);
    expect(parseCommand({ idempotentKey: 'k', userId: 'u', type: 'release', holdKey: 'h', amount: '1' }).ok).toBe(false);
  });
});

describe('commandFingerprint', () => {
  it('is the one stored before amounts had a third digit, so a redelivered old command stays the same command', () => {
    expect(commandFingerprint({ idempotentKey: 'k', userId: 'u', type: 'debit', amount: '25.50' })).toBe(
      '[["amount","2550"],["type","debit"],["userId","u"]]',
    );
    expect(commandFingerprint({ idempotentKey: 'k', userId: 'u', type: 'debit', amount: '25.5' })).toBe(
      commandFingerprint({ idempotentKey: 'k', userId: 'u', type: 'debit', amount: '25.50' }),
    );
  });
});
