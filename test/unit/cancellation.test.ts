import { describe, expect, it } from 'vitest';
import { settleCancellation, type Verdict } from '../../src/ledger/cancellation.js';
import type { CancellationReason } from '../../src/ledger/commit.js';
import type { Decision } from '../../src/ledger/decide/ledger-state.js';
import type { TransactionRecord, UserState } from '../../src/ledger/model.js';
import { recordToItem } from '../../src/ledger/item-codec.js';
import type { ActionTarget } from '../../src/ledger/transact-items.js';
import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

/** An item as the engine gets it back from DynamoDB (numbers wrapped). */
const stored = (item: Record<string, unknown>) => unmarshall(marshall(item), { wrapNumbers: true });

const record = (key: string, userId: string, transactionId = `tx-${key}`): TransactionRecord => ({
  idempotentKey: key,
  transactionId,
  userId,
  type: 'credit',
  amount: 100n,
  timestamp: '2026-12-01T00:00:00.000Z',
  status: 'applied',
  newBalance: 100n,
  newHeld: 0n,
  version: 1,
});
const user = (userId: string): UserState => ({ userId, balance: 0n, version: 0, holds: new Map() });
const decision = (key: string, userIds: string[], references: string[] = []): Decision => ({
  command: { idempotentKey: key, userId: userIds[0] as string, type: 'credit', amount: '1' },
  record: record(key, userIds[0] as string),
  legs: [],
  userIds,
  references,
});

// One transaction: alice's credit, bob's credit, and carol's capture of a hold.
const alice = decision('a1', ['alice']);
const bob = decision('b1', ['bob']);
const carol = decision('c1', ['carol'], ['hold-1']);
const targets: ActionTarget[] = [
  { kind: 'user', userId: 'alice', transition: { before: user('alice'), after: user('alice') } },
  { kind: 'user', userId: 'bob', transition: { before: user('bob'), after: user('bob') } },
  { kind: 'user', userId: 'carol', transition: { before: user('carol'), after: user('carol') } },
  { kind: 'reference', key: 'hold-1', transition: { before: null, after: null } },
  { kind: 'record', decision: alice, record: alice.record },
  { kind: 'record', decision: bob, record: bob.record },
  { kind: 'record', decision: carol, record: carol.record },
];
const reasons = (codes: Record<number, CancellationReason>): CancellationReason[] =>
  targets.map((_, index) => codes[index] ?? { code: 'None' });
const aliceNow = { userId: 'alice', balance: NumberValue.from('5'), version: NumberValue.from('3') };

describe('cancellation settlement: each decision judged on its own items', () => {
  const table: [string, CancellationReason[], [Decision, Verdict['kind'], Partial<Verdict>?][]][] = [
    [
      'a user that changed is charged; the others were bystanders',
      reasons({ 0: { code: 'ConditionalCheckFailed', item: aliceNow } }),
      [
        [alice, 'changed', { item: 'u:alice', settled: true }],
        [bob, 'bystander'],
        [carol, 'bystander'],
      ],
    ],
    [
      'a transaction in flight on a user: changed, not settled (backs off)',
      reasons({ 1: { code: 'TransactionConflict' } }),
      [
        [alice, 'bystander'],
        [bob, 'changed', { item: 'u:bob', settled: false }],
        [carol, 'bystander'],
      ],
    ],
    [
      'a throttled user item: throttled, never charged',
      reasons({ 2: { code: 'ThrottlingError' } }),
      [
        [alice, 'bystander'],
        [bob, 'bystander'],
        [carol, 'throttled'],
      ],
    ],
    [
      'a hold that changed is charged to the command that read it',
      reasons({ 3: { code: 'ConditionalCheckFailed' } }),
      [
        [alice, 'bystander'],
        [bob, 'bystander'],
        [carol, 'changed', { item: 'r:hold-1' }],
      ],
    ],
    [
      'a key that exists answers its command from the record',
      reasons({ 5: { code: 'ConditionalCheckFailed', item: stored(recordToItem(record('b1', 'bob', 'tx-other'))) } }),
      [
        [alice, 'bystander'],
        [bob, 'key-exists'],
        [carol, 'bystander'],
      ],
    ],
    [
      'a key that holds a record that is not money data is poison, alone',
      reasons({ 4: { code: 'ConditionalCheckFailed', item: { idempotentKey: 'a1', status: 'maybe' } } }),
      [
        [alice, 'poison'],
        [bob, 'bystander'],
        [carol, 'bystander'],
      ],
    ],
  ];
  for (const [what, given, expected] of table) {
    it(what, () => {
      const settlement = settleCancellation(targets, given);
      if (settlement.kind !== 'split') throw new Error(`expected a split, got ${settlement.kind}`);
      for (const [which, kind, fields] of expected) expect(settlement.verdicts.get(which)).toMatchObject({ kind, ...fields });
    });
  }

  it('hands back the user as it is now, and a user item that is not money as an error', () => {
    const settlement = settleCancellation(
      targets,
      reasons({
        0: { code: 'ConditionalCheckFailed', item: aliceNow },
        1: { code: 'ConditionalCheckFailed', item: { userId: 'bob', balance: NumberValue.from('-1') } },
      }),
    );
    if (settlement.kind !== 'split') throw new Error('expected a split');
    expect(settlement.users.get('alice')).toMatchObject({ balance: 5_000n, version: 3 });
    expect(settlement.users.get('bob')).toMatchObject({ code: 'corrupt_item' });
  });

  it('says the transaction had committed when a Put finds its own record (the SDK resent it)', () => {
    expect(
      settleCancellation(targets, reasons({ 4: { code: 'ConditionalCheckFailed', item: stored(recordToItem(alice.record)) } })),
    ).toEqual({ kind: 'committed-before' });
  });

  it('says the request itself is wrong on any other reason', () => {
    expect(settleCancellation(targets, reasons({ 2: { code: 'ValidationError' } }))).toEqual({ kind: 'fault', code: 'ValidationError' });
  });
});
