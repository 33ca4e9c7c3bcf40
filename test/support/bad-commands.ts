import fc from 'fast-check';
import { MAX_COMMAND_BODY_BYTES } from '../../src/messages/command.js';

/**
 * Generators of valid and adversarial command input, shared by the property
 * tests (unit) and the test that pushes bad bodies through the real worker.
 */

const NO_CONTROL = /^[^\p{Cc}]*$/u;
const NOT_TEXT = /[\p{Noncharacter_Code_Point}\p{Surrogate}]/u;

/** Text that is a valid key or user id: 1..max code points, any unicode but control characters, noncharacters and lone surrogates. */
export const validText = (max: number) =>
  fc
    .string({ unit: 'binary', minLength: 1, maxLength: Math.min(max, 40) })
    .filter((text) => NO_CONTROL.test(text) && !NOT_TEXT.test(text) && [...text].length <= max);

/** Valid wire amounts, from one cent to the 15-digit maximum, with 0, 1 or 2 fractional digits. */
export const validAmount = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }), fc.constantFrom('', '.0', '.00', '.5', '.05', '.50', '.99', '.1'))
  .map(([whole, fraction]) => `${whole}${fraction}`)
  .filter((text) => /[1-9]/.test(text));

export const validCommand = fc.record({
  idempotentKey: validText(255),
  userId: validText(128),
  amount: validAmount,
  type: fc.constantFrom('credit' as const, 'debit' as const),
});

/** A reference reading of SPEC's amount rule, written independently of src/money. */
export function referenceIsValidAmount(text: string): boolean {
  const parts = text.split('.');
  if (parts.length > 2) return false;
  const [whole = '', fraction] = parts;
  const digits = (part: string) => part.length > 0 && [...part].every((char) => char >= '0' && char <= '9');
  if (!digits(whole) || whole.length > 15 || (whole.length > 1 && whole.startsWith('0'))) return false;
  if (fraction !== undefined && (!digits(fraction) || fraction.length > 3)) return false;
  return /[1-9]/.test(text);
}

/** Strings that look like amounts but break a rule: signs, exponents, spaces, unicode digits, leading zeros, too many digits. */
export const nearAmount = fc.oneof(
  fc.string({
    unit: fc.constantFrom('0', '1', '5', '9', '.', '-', '+', 'e', 'E', ' ', '\u00a0', '\u0663', '\uff11', '\u2212', 'x', ','),
    maxLength: 20,
  }),
  fc.tuple(validAmount, fc.constantFrom('-', '+', ' ', '0', '\u2212', '\ufeff')).map(([amount, prefix]) => prefix + amount),
  fc.tuple(validAmount, fc.constantFrom(' ', 'e2', 'E-2', '0', '1', '.', 'abc', '\u0000', '\n')).map(([amount, suffix]) => amount + suffix),
  fc.bigInt({ min: 10n ** 15n, max: 10n ** 40n }).map(String),
  fc.constantFrom(
    '0',
    '0.00',
    '-0',
    '-0.00',
    '0.000',
    '0.0001',
    '1.2345',
    '1e2',
    '1E+2',
    'Infinity',
    'NaN',
    '0x10',
    '1_000',
    '.5',
    '5.',
    '',
    ' ',
  ),
);

/** Anything but a string, where the schema wants one. */
export const notAString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(-0, Number.MAX_SAFE_INTEGER + 2, 1e308, null, true, false),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

type Mutation = (command: Record<string, unknown>) => Record<string, unknown>;

/** One thing wrong with an otherwise valid command object; the key stays readable unless the key is what is wrong. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  nearAmount
    .filter((amount) => !referenceIsValidAmount(amount))
    .map(
      (amount): Mutation =>
        (command) => ({ ...command, amount }),
    ),
  notAString.map(
    (amount): Mutation =>
      (command) => ({ ...command, amount }),
  ),
  fc.constantFrom('userId', 'amount', 'type').map(
    (field): Mutation =>
      (command) =>
        withoutField(command, field),
  ),
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }))
    .filter(([field]) => !['idempotentKey', 'userId', 'amount', 'type', 'currency'].includes(field))
    .map(
      ([field, value]): Mutation =>
        (command) => ({ ...command, [field]: value }),
    ),
  fc
    .oneof(
      fc.string({ maxLength: 10 }).filter((type) => type !== 'credit' && type !== 'debit'),
      notAString,
    )
    .map(
      (type): Mutation =>
        (command) => ({ ...command, type }),
    ),
  fc.oneof(notAString, fc.constantFrom('', 'x'.repeat(129), 'user\u0007', 'a\nb', '\u0085', 'u\ufffe', '\uffff', 'u\ud800')).map(
    (userId): Mutation =>
      (command) => ({ ...command, userId }),
  ),
  fc.oneof(notAString, fc.constantFrom('', 'k'.repeat(256), 'key\u0000', '\u009f', 'key\ufffe', '\udfff', 'k\u{10fffe}')).map(
    (idempotentKey): Mutation =>
      (command) => ({ ...command, idempotentKey }),
  ),
);

/** A command object with exactly one defect. */
export const badCommand = fc.tuple(validCommand, mutation).map(([command, mutate]) => mutate({ ...command }));

/** Raw queue bodies that are not valid commands: bad objects, non-objects, broken JSON, oversized bodies. */
export const badBody: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: badCommand.map((command) => JSON.stringify(command)), weight: 5 },
  fc
    .jsonValue()
    .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
    .map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 50 }).filter((text) => !isJson(text)),
  validCommand.map((command) => JSON.stringify(command).slice(0, -1)),
  validCommand.map((command) => JSON.stringify({ ...command, padding: 'x'.repeat(MAX_COMMAND_BODY_BYTES) })),
);

function withoutField(command: Record<string, unknown>, field: string): Record<string, unknown> {
  const { [field]: _removed, ...rest } = command;
  return rest;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
