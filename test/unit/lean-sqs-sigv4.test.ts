import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { SigV4Signer } from '../../src/net/sigv4.js';

const body = JSON.stringify({ QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q', MaxNumberOfMessages: 10 });
const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ReceiveMessage', 'x-amzn-query-mode': 'true' };
function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** The SDK signer's hash interface over node:crypto (what the SDK's Node build uses too). */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

const now = new Date('2026-03-04T05:06:07.890Z');

async function sdkAuthorization(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Promise<string> {
  const signer = new SignatureV4({ credentials, region: 'eu-west-1', service: 'sqs', sha256: Sha256, applyChecksum: false });
  const request = {
    method: 'POST',
    protocol: 'https:',
    hostname: 'sqs.eu-west-1.amazonaws.com',
    path: '/',
    query: {},
    headers: { ...headers, host: 'sqs.eu-west-1.amazonaws.com' },
    body,
  };
  const signed = await signer.sign(request, { signingDate: now });
  return String(signed.headers.authorization);
}

function leanHeaders(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  return new SigV4Signer('eu-west-1', 'sqs').sign({ host: 'sqs.eu-west-1.amazonaws.com', path: '/', headers, body }, credentials, now);
}

describe('the lean SQS signer', () => {
  it('signs a request exactly as the SDK signer does', async () => {
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
    expect(leanHeaders(credentials).authorization).toBe(await sdkAuthorization(credentials));
  });

  it('signs the session token of temporary credentials as the SDK signer does', async () => {
    const credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token/with+chars=' };
    const signed = leanHeaders(credentials);
    expect(signed['x-amz-security-token']).toBe(credentials.sessionToken);
    expect(signed.authorization).toBe(await sdkAuthorization(credentials));
  });

  it('derives a new key when the secret changes (rotated credentials)', async () => {
    const signer = new SigV4Signer('eu-west-1', 'sqs');
    const sign = (secretAccessKey: string) =>
      signer.sign({ host: 'sqs.eu-west-1.amazonaws.com', path: '/', headers, body }, { accessKeyId: 'AKID', secretAccessKey }, now)
        .authorization;
    const first = sign('one');
    expect(sign('two')).toBe(await sdkAuthorization({ accessKeyId: 'AKID', secretAccessKey: 'two' }));
    expect(sign('one')).toBe(first);
  });
});
