import { describe, expect, it } from 'vitest';
import { classifyAwsError } from '../../src/aws-errors.js';
import {
  CorruptItemError,
  InvalidRequestError,
  ReplyTimeoutError,
  StoreFaultError,
  StoreUnavailableError,
  UserNotFoundError,
} from '../../src/errors.js';
import { isExpectedFailure, mapError } from '../../src/http/error-mapping.js';

describe('mapError', () => {
  it('maps an invalid request to 400 and lists its issues', () => {
    const issues = [{ path: 'amount', message: 'must be positive' }];
    expect(mapError(new InvalidRequestError('invalid command', issues))).toEqual({
      status: 400,
      body: { error: 'invalid_request', message: 'invalid command', issues },
    });
  });

  it.each([
    [new UserNotFoundError('u1'), 404, 'user_not_found'],
    [new ReplyTimeoutError('no reply'), 504, 'reply_timeout'],
    [new StoreUnavailableError('down'), 503, 'store_unavailable'],
  ])('maps %s by its class and code', (error, status, code) => {
    expect(mapError(error)).toMatchObject({ status, body: { error: code } });
  });

  it('maps an unreachable store (socket error inside an SDK error, classified at its call) to 503', () => {
    const socketError = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const classified = classifyAwsError(new Error('request failed', { cause: socketError }), {
      service: 'DynamoDB',
      call: 'GetItem',
      faultNames: new Set(),
    });
    expect(classified).toBeInstanceOf(StoreUnavailableError);
    expect(mapError(classified)).toMatchObject({ status: 503, body: { error: 'store_unavailable' } });
  });

  it('maps a request the store refused as wrong (classified at its call) to a generic 500', () => {
    const refused = Object.assign(new Error('One or more parameter values were invalid'), { name: 'ValidationException', $metadata: {} });
    const classified = classifyAwsError(refused, { service: 'DynamoDB', call: 'Query', faultNames: new Set(['ValidationException']) });
    expect(classified).toBeInstanceOf(StoreFaultError);
    expect(mapError(classified)).toEqual({ status: 500, body: { error: 'internal_error', message: 'internal error' } });
  });

  it('does not re-classify an untyped error by its SDK name: classification happens at the call', () => {
    const raw = Object.assign(new Error('throttled'), { name: 'ThrottlingException', $metadata: {} });
    expect(mapError(raw).status).toBe(500);
  });

  it('never decides by message text: an untyped error that merely says "user not found" is a 500', () => {
    expect(mapError(new Error('user not found'))).toEqual({ status: 500, body: { error: 'internal_error', message: 'internal error' } });
  });

  it('keeps the 4xx status of a request error raised by the framework', () => {
    const bodyTooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    expect(mapError(bodyTooLarge)).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
  });

  it('never puts an error’s own message in a 5xx body: poison data is a generic 500, an outage a fixed sentence', () => {
    const poison = new CorruptItemError('item attribute balance of user "alice" in Users is not an amount of money');
    expect(mapError(poison)).toEqual({ status: 500, body: { error: 'internal_error', message: 'internal error' } });
    const outage = mapError(new StoreUnavailableError('DynamoDB call failed: GetItem Users {"userId":"alice"} ECONNREFUSED'));
    expect(outage.status).toBe(503);
    expect(outage.body.message).not.toContain('alice');
  });

  it('treats timeouts and outages as expected (no stack trace), and anything untyped as a fault', () => {
    expect(isExpectedFailure(new ReplyTimeoutError('no reply'), 504)).toBe(true);
    expect(isExpectedFailure(new StoreUnavailableError('down'), 503)).toBe(true);
    expect(isExpectedFailure(new CorruptItemError('bad'), 500)).toBe(false);
    expect(isExpectedFailure(new Error('bug'), 500)).toBe(false);
  });
});
