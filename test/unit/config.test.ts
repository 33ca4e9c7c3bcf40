import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

describe('loadConfig', () => {
  it('uses the SPEC defaults and the embedded stack when no endpoint is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      region: 'us-east-1',
      stack: 'embedded',
      embedded: { sqsPort: 4566, dynamodbPort: 8000, bindHost: '127.0.0.1' },
      dynamodbAdminPort: 8001,
      queues: { command: 'wallet-commands', reply: 'wallet-replies', deadLetter: 'wallet-commands-dlq' },
      tables: { users: 'Users', transactions: 'Transactions' },
      maxReceiveCount: 5,
    });
  });

  it('uses the configured endpoints as they are when one is set', () => {
    const config = loadConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' });
    expect(config.stack).toBe('endpoint');
    expect(config.endpoints).toEqual({ sqs: 'http://127.0.0.1:4566', dynamodb: 'http://127.0.0.1:4566' });
    expect(config.provision).toBe(true);
  });

  it('lets service-specific endpoints override the general one', () => {
    const config = loadConfig({ AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_DYNAMODB: 'http://b:2' });
    expect(config.endpoints).toEqual({ sqs: 'http://a:1', dynamodb: 'http://b:2' });
  });

  it('opens the embedded stack to the network only when WALLET_EMBEDDED_BIND_HOST says so', () => {
    expect(loadConfig({ WALLET_EMBEDDED_BIND_HOST: '0.0.0.0' }).embedded.bindHost).toBe('0.0.0.0');
    expect(loadConfig({ WALLET_EMBEDDED_BIND_HOST: '::' }).embedded.bindHost).toBe('::');
  });

  it('creates nothing on real AWS unless asked', () => {
    expect(loadConfig({ WALLET_STACK: 'aws' }).provision).toBe(false);
    expect(loadConfig({ WALLET_STACK: 'aws', WALLET_PROVISION: 'true' }).provision).toBe(true);
  });

  it.each([
    ['WALLET_MAX_RECEIVE_COUNT', 'five'],
    ['WALLET_EMBEDDED_SQS_PORT', '70000'],
    ['AWS_ENDPOINT_URL', 'not a url'],
    ['WALLET_COMMAND_QUEUE', 'bad name!'],
    ['WALLET_STACK', 'cloud'],
    ['WALLET_EMBEDDED_BIND_HOST', 'localhost'],
    ['LOG_LEVEL', 'loud'],
  ])('stops on a bad %s, naming it', (variable, value) => {
    let error: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toContain(variable);
    expect((error as ConfigError).message).toContain(variable);
  });

  it('refuses a FIFO command queue with a standard dead-letter queue', () => {
    expect(() => loadConfig({ WALLET_COMMAND_QUEUE: 'cmds.fifo' })).toThrow(ConfigError);
    expect(loadConfig({ WALLET_COMMAND_QUEUE: 'cmds.fifo', WALLET_DEAD_LETTER_QUEUE: 'dlq.fifo' }).queues.command).toBe('cmds.fifo');
  });

  it('refuses a group too small for the largest command (the reversal of a transfer needs 5 actions), naming the variable', () => {
    for (const size of ['2', '3', '4'])
      expect(() => loadConfig({ WALLET_GROUP_MAX_ACTIONS: size })).toThrow(/WALLET_GROUP_MAX_ACTIONS: must be at least 5/);
    expect(loadConfig({ WALLET_GROUP_MAX_ACTIONS: '5' }).groupCommit.maxActions).toBe(5);
  });

  it("refuses a reply queue name that leaves no room for a waiting process's own reply queue suffix", () => {
    expect(loadConfig({ WALLET_REPLY_QUEUE: 'r'.repeat(64) }).queues.reply).toHaveLength(64);
    expect(() => loadConfig({ WALLET_REPLY_QUEUE: 'r'.repeat(65) })).toThrow(/WALLET_REPLY_QUEUE/);
    expect(() => loadConfig({ WALLET_REPLY_QUEUE: `${'r'.repeat(60)}.fifo` })).toThrow(ConfigError);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ AWS_ENDPOINT_URL: '' }).stack).toBe('embedded');
  });
});
