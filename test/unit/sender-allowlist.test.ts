import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { checkSender, partitionBySender } from '../../src/queue/sender-allowlist.js';
import { capturingLogger } from '../support/log-capture.js';

describe('the sender allowlist', () => {
  it('accepts every sender when no list is configured', () => {
    expect(checkSender(undefined, 'AROAEXAMPLE:session')).toEqual({ allowed: true });
    expect(checkSender(undefined, undefined)).toEqual({ allowed: true });
  });

  it('accepts a listed user id, and every session of a listed role id', () => {
    const list = ['AIDAUSER1', 'AROAROLE1'];
    expect(checkSender(list, 'AIDAUSER1')).toEqual({ allowed: true });
    expect(checkSender(list, 'AROAROLE1:i-0abc')).toEqual({ allowed: true });
    expect(checkSender(list, 'AROAROLE1:another-session')).toEqual({ allowed: true });
  });

  it('refuses an unlisted sender, a look-alike prefix, and a message without a SenderId', () => {
    const list = ['AROAROLE1'];
    expect(checkSender(list, 'AROAROLE2:i-0abc')).toEqual({ allowed: false, senderId: 'AROAROLE2:i-0abc' });
    expect(checkSender(list, 'AROAROLE1X:i-0abc')).toEqual({ allowed: false, senderId: 'AROAROLE1X:i-0abc' });
    expect(checkSender(list, undefined)).toEqual({ allowed: false, senderId: undefined });
  });

  it('is read from WALLET_ALLOWED_SENDER_IDS, comma-separated; a malformed value stops start-up naming it', () => {
    expect(loadConfig({}).allowedSenderIds).toBeUndefined();
    expect(loadConfig({ WALLET_ALLOWED_SENDER_IDS: 'AIDAUSER1, AROAROLE1' }).allowedSenderIds).toEqual(['AIDAUSER1', 'AROAROLE1']);
    expect(() => loadConfig({ WALLET_ALLOWED_SENDER_IDS: 'AIDA USER,,' })).toThrow(ConfigError);
    expect(() => loadConfig({ WALLET_ALLOWED_SENDER_IDS: 'a,,b' })).toThrow(/WALLET_ALLOWED_SENDER_IDS/);
  });
});

describe('splitting a received batch by sender', () => {
  it('passes every message on without a list, and otherwise refuses the unlisted ones, logging each with its SenderId', () => {
    const { logger, lines } = capturingLogger('info');
    const messages = [
      { MessageId: 'm1', Attributes: { SenderId: 'AROAGOOD:task-1' } },
      { MessageId: 'm2', Attributes: { SenderId: 'AROAEVIL:x' } },
      { MessageId: 'm3' },
    ];
    expect(partitionBySender(undefined, messages, logger)).toEqual({ accepted: messages, refused: [] });
    const { accepted, refused } = partitionBySender(['AROAGOOD'], messages, logger);
    expect(accepted.map((message) => message.MessageId)).toEqual(['m1']);
    expect(refused.map((message) => message.MessageId)).toEqual(['m2', 'm3']);
    expect(lines.map((line) => [line.messageId, line.senderId])).toEqual([
      ['m2', 'AROAEVIL:x'],
      ['m3', undefined],
    ]);
  });
});
