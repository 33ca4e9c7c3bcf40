import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandDeduplicationId, fifoFields, toFifoId } from '../../src/queue/fifo.js';
import { validCommand } from '../support/bad-commands.js';

const SQS_FIFO_ID = /^[\x21-\x7e]{1,128}$/;
const command = { idempotentKey: 'order-42', userId: 'u-1', amount: '10', type: 'credit' };

describe('FIFO group and deduplication ids', () => {
  it.each(['u-1', 'a'.repeat(128), `!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~`])('keeps an id SQS already accepts (%j)', (id) => {
    expect(toFifoId(id)).toBe(id);
  });

  it.each(['José', 'order 42', 'a'.repeat(129), '💶', 'tab\there'])(
    'encodes any other id (%j) the same way every time, in characters SQS accepts',
    (id) => {
      expect(toFifoId(id)).toMatch(SQS_FIFO_ID);
      expect(toFifoId(id)).toBe(toFifoId(id));
    },
  );

  it('gives distinct user ids distinct groups', () => {
    expect(toFifoId('José')).not.toBe(toFifoId('Jose'));
    expect(toFifoId('order 42')).not.toBe(toFifoId('order  42'));
  });

  it('makes ids from any valid command that SQS accepts', () => {
    fc.assert(
      fc.property(validCommand, (generated) => {
        const fields = fifoFields('https://q/x.fifo', generated.userId, commandDeduplicationId(generated));
        expect(fields.MessageGroupId).toMatch(SQS_FIFO_ID);
        expect(fields.MessageDeduplicationId).toMatch(SQS_FIFO_ID);
      }),
      { numRuns: 200, seed: 42 },
    );
  });

  it('sets no FIFO fields on a standard queue', () => {
    expect(fifoFields('https://q/x', 'José', 'k')).toEqual({});
  });

  it('deduplicates the whole command: the same command written differently is one, any other field makes another', () => {
    const id = commandDeduplicationId(command);
    expect(commandDeduplicationId({ type: 'credit', amount: '10.00', userId: 'u-1', idempotentKey: 'order-42' })).toBe(id);
    expect(commandDeduplicationId({ ...command, amount: '10.01' })).not.toBe(id);
    expect(commandDeduplicationId({ ...command, type: 'debit' })).not.toBe(id);
    expect(commandDeduplicationId({ ...command, userId: 'u-2' })).not.toBe(id);
    expect(commandDeduplicationId({ ...command, idempotentKey: 'order-43' })).not.toBe(id);
    expect(commandDeduplicationId(command, 'correlation-1')).not.toBe(commandDeduplicationId(command, 'correlation-2'));
  });
});
