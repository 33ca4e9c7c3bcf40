import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmountSchema, parseCommand, parseCommandBody } from '../../src/messages/command.js';
import { badBody, badCommand, nearAmount, referenceIsValidAmount, validCommand } from '../support/bad-commands.js';

/** Every property runs on a fixed seed so a failure reproduces; fast-check prints the shrunk counterexample. */
const runs = { numRuns: 300, seed: 20261124 };

function expectClearRefusal(result: ReturnType<typeof parseCommandBody>): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.issues.length).toBeGreaterThan(0);
  for (const issue of result.issues) {
    expect(typeof issue.path).toBe('string');
    expect(issue.message.length).toBeGreaterThan(0);
  }
}

describe('command schema under adversarial input', () => {
  it('accepts every valid command and returns it unchanged', () => {
    fc.assert(
      fc.property(validCommand, (command) => {
        expect(parseCommandBody(JSON.stringify(command))).toEqual({ ok: true, command });
      }),
      runs,
    );
  });

  it('never throws on any string body, and refuses it with issues unless it is a valid command', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.json(),
          fc.jsonValue().map((value) => JSON.stringify(value)),
        ),
        (body) => {
          const result = parseCommandBody(body);
          if (!result.ok) expectClearRefusal(result);
        },
      ),
      runs,
    );
  });

  it('refuses every body with one defect, naming what is wrong', () => {
    fc.assert(
      fc.property(badBody, (body) => expectClearRefusal(parseCommandBody(body))),
      runs,
    );
  });

  it('still reads the key of a defective command when the key itself is valid, so the producer can be told', () => {
    fc.assert(
      fc.property(badCommand, (command) => {
        const result = parseCommand(command);
        expectClearRefusal(result);
        const keyIsValid = parseCommand({ idempotentKey: command.idempotentKey, userId: 'u', amount: '1', type: 'credit' }).ok;
        if (!result.ok) expect(result.idempotentKey).toBe(keyIsValid ? command.idempotentKey : undefined);
      }),
      runs,
    );
  });

  it('accepts an amount exactly when an independent reading of the SPEC rule does', () => {
    fc.assert(
      fc.property(fc.oneof(nearAmount, fc.string({ unit: 'binary', maxLength: 20 })), (amount) => {
        expect(AmountSchema.safeParse(amount).success).toBe(referenceIsValidAmount(amount));
      }),
      { ...runs, numRuns: 2000 },
    );
  });

  it('refuses amounts that are not strings, negative zero and huge numbers included', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.bigInt().map(Number), fc.constant(-0)), validCommand, (amount, command) => {
        expectClearRefusal(parseCommandBody(JSON.stringify({ ...command, amount })));
      }),
      runs,
    );
  });
});
