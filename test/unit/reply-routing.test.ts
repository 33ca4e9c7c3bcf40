import { describe, expect, it } from 'vitest';
import { isReplyQueueName, MAX_CORRELATION_ID_LENGTH, replyQueuePrefix, routeReply } from '../../src/queue/reply-routing.js';

const DEFAULT = 'http://127.0.0.1:4566/000000000000/wallet-replies';
const FIFO_DEFAULT = 'https://sqs.us-east-1.amazonaws.com/123456789012/wallet-replies.fifo';

const message = (attributes: Record<string, string>) => ({
  MessageAttributes: Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  ),
});

describe('reply routing', () => {
  it('sends to the default reply queue when no ReplyTo is set, echoing the CorrelationId', () => {
    expect(routeReply({}, DEFAULT)).toEqual({ queueUrl: DEFAULT });
    expect(routeReply(message({ CorrelationId: 'c-1' }), DEFAULT)).toEqual({ queueUrl: DEFAULT, correlationId: 'c-1' });
  });

  it('accepts a ReplyTo in the same place whose name starts with the reply queue name', () => {
    const own = 'http://127.0.0.1:4566/000000000000/wallet-replies-gw-7f3a';
    expect(routeReply(message({ ReplyTo: own, CorrelationId: 'c' }), DEFAULT)).toEqual({ queueUrl: own, correlationId: 'c' });
    expect(routeReply(message({ ReplyTo: DEFAULT }), DEFAULT)).toEqual({ queueUrl: DEFAULT });
  });

  it.each([
    ['another queue', 'http://127.0.0.1:4566/000000000000/wallet-commands'],
    ['another host', 'https://attacker.example/000000000000/wallet-replies-gw-1'],
    ['another port', 'http://127.0.0.1:9999/000000000000/wallet-replies-gw-1'],
    ['another account', 'http://127.0.0.1:4566/999999999999/wallet-replies-gw-1'],
    ['a path trick', 'http://127.0.0.1:4566/000000000000/wallet-replies-gw-1%2F..%2Fwallet-commands'],
    ['a query string', 'http://127.0.0.1:4566/000000000000/wallet-replies-gw-1?Action=DeleteQueue'],
    ['credentials in the URL', 'http://user:pw@127.0.0.1:4566/000000000000/wallet-replies-gw-1'],
    ['a bare name', 'wallet-replies-gw-1'],
    ['a FIFO queue for a standard reply queue', 'http://127.0.0.1:4566/000000000000/wallet-replies-gw-1.fifo'],
    ['a name longer than SQS allows', `http://127.0.0.1:4566/000000000000/wallet-replies-${'x'.repeat(70)}`],
  ])('refuses a ReplyTo with %s and uses the default reply queue', (_, replyTo) => {
    expect(routeReply(message({ ReplyTo: replyTo, CorrelationId: 'c' }), DEFAULT)).toEqual({
      queueUrl: DEFAULT,
      correlationId: 'c',
      replyToRefused: true,
    });
  });

  it('compares FIFO names without their .fifo suffix and requires the same kind of queue', () => {
    expect(replyQueuePrefix('wallet-replies.fifo')).toBe('wallet-replies');
    expect(isReplyQueueName('wallet-replies-gw-7f3a.fifo', 'wallet-replies.fifo')).toBe(true);
    expect(isReplyQueueName('wallet-replies-gw-7f3a', 'wallet-replies.fifo')).toBe(false);
    const own = 'https://sqs.us-east-1.amazonaws.com/123456789012/wallet-replies-gw-7f3a.fifo';
    expect(routeReply(message({ ReplyTo: own }), FIFO_DEFAULT)).toEqual({ queueUrl: own });
  });

  it('does not echo a CorrelationId too long to keep the reply publishable', () => {
    expect(routeReply(message({ CorrelationId: 'x'.repeat(MAX_CORRELATION_ID_LENGTH + 1) }), DEFAULT)).toEqual({ queueUrl: DEFAULT });
  });

  it('ignores attributes that are not strings', () => {
    const binary = { MessageAttributes: { ReplyTo: { DataType: 'Binary', BinaryValue: new Uint8Array([1]) } } };
    expect(routeReply(binary, DEFAULT)).toEqual({ queueUrl: DEFAULT });
  });
});
