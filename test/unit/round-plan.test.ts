import { describe, expect, it } from 'vitest';
import { LARGEST_COMMAND_ACTIONS } from '../../src/config.js';
import type { TransactionRecord } from '../../src/ledger/model.js';
import { actionBytes, fitsOne, MAX_TRANSACT_BYTES, recordBytes, userBytes } from '../../src/ledger/round-budget.js';
import { commandShape, planned, planRound, type Candidate } from '../../src/ledger/round-plan.js';
import { recordPut } from '../../src/ledger/transact-items.js';
import type { Command } from '../../src/messages/command.js';

const SMALL_USER = 700;
const sized = () => SMALL_USER;
const credit = (key: string, userId: string): Command => ({ idempotentKey: key, userId, type: 'credit', amount: '1' });
const transfer = (key: string, userId: string, toUserId: string): Command => ({
  idempotentKey: key,
  userId,
  toUserId,
  type: 'transfer',
  amount: '1',
});
const reverse = (key: string, userId: string, originalKey: string): Command => ({
  idempotentKey: key,
  userId,
  originalKey,
  type: 'reverse',
});
const capture = (key: string, userId: string, holdKey: string): Command => ({ idempotentKey: key, userId, holdKey, type: 'capture' });
const transferRecord = (key: string, userId: string, toUserId: string): TransactionRecord => ({
  idempotentKey: key,
  transactionId: 'tx',
  userId,
  toUserId,
  type: 'transfer',
  amount: 100n,
  timestamp: '2026-12-01T00:00:00.000Z',
  status: 'applied',
  newBalance: 0n,
  newHeld: 0n,
  version: 1,
});

const candidate = (command: Command, extra: Partial<Candidate> = {}, records = new Map<string, TransactionRecord | null>()): Candidate => ({
  key: command.idempotentKey,
  ...planned(command, records, sized),
  due: true,
  alone: false,
  ...extra,
});
const limits = (maxActions = 100, maxBytes = MAX_TRANSACT_BYTES) => ({
  limits: { maxActions, maxBytes },
  grouping: true,
  maxCommands: 2_000,
});

describe('round planning: the actions of each command', () => {
  const known = new Map([['t-1', transferRecord('t-1', 'alice', 'bob')]]);
  const cases: [string, Command, Map<string, TransactionRecord | null>, number][] = [
    ['a credit: its user and its record', credit('k', 'alice'), new Map(), 2],
    ['a transfer: both users, its record and the leg', transfer('k', 'alice', 'bob'), new Map(), 4],
    ['a capture: the holder, the hold and its record', capture('k', 'alice', 'h'), new Map(), 3],
    ['a reversal of a transfer: both users, the original, its record and the leg', reverse('k', 'alice', 't-1'), known, 5],
    ['a reversal before its original is read: counted as a transfer’s', reverse('k', 'alice', 't-1'), new Map(), 5],
    [
      'a reversal of a credit',
      reverse('k', 'alice', 'c-1'),
      new Map([['c-1', { ...transferRecord('c-1', 'alice', 'x'), type: 'credit', toUserId: undefined } as TransactionRecord]]),
      3,
    ],
  ];
  for (const [what, command, records, actions] of cases) {
    it(`counts ${actions} for ${what}`, () => {
      const shape = commandShape(command, records, sized);
      expect(shape.own.actions + shape.items.size).toBe(actions);
      expect(actions).toBeLessThanOrEqual(LARGEST_COMMAND_ACTIONS);
    });
  }

  it('counts no fewer bytes for a record than its Put carries, even with the longest four-byte keys', () => {
    const key = '\u{1F4B0}'.repeat(255);
    const command = transfer(key, '\u{1F4B0}'.repeat(128), '\u{1F4B1}'.repeat(128));
    const record = {
      ...transferRecord(key, command.userId, (command as { toUserId: string }).toUserId),
      request: JSON.stringify(command),
      hash: 'h'.repeat(64),
    };
    expect(recordBytes(JSON.stringify(command))).toBeGreaterThan(actionBytes(recordPut('Transactions', record)));
    expect(userBytes([key])).toBeGreaterThan(Buffer.byteLength(key) + 60);
  });
});

describe('round planning: which commands a round takes', () => {
  const table: [string, Candidate[], ReturnType<typeof limits>, { take: number[]; tooLarge: number[] }][] = [
    [
      'every command of several users while they fit',
      [candidate(credit('a1', 'a')), candidate(credit('b1', 'b')), candidate(credit('a2', 'a'))],
      limits(),
      { take: [0, 1, 2], tooLarge: [] },
    ],
    [
      'a second command under the same key waits',
      [candidate(credit('k', 'a')), candidate(credit('k', 'b'))],
      limits(),
      { take: [0], tooLarge: [] },
    ],
    [
      'a capture of a hold the round places waits',
      [candidate({ idempotentKey: 'h', userId: 'a', type: 'hold', amount: '1' }), candidate(capture('c', 'a', 'h'))],
      limits(),
      { take: [0], tooLarge: [] },
    ],
    [
      'a user whose group is full waits, and so do its later commands, while another user goes on',
      [candidate(credit('a1', 'a')), candidate(credit('a2', 'a')), candidate(credit('b1', 'b')), candidate(credit('a3', 'a'))],
      limits(2),
      { take: [0, 2], tooLarge: [] },
    ],
    [
      'a command backing off waits, and holds its user’s later ones',
      [candidate(credit('a1', 'a'), { due: false }), candidate(credit('a2', 'a')), candidate(credit('b1', 'b'))],
      limits(),
      { take: [2], tooLarge: [] },
    ],
    [
      'a command to be decided alone waits for a round it opens',
      [candidate(credit('b1', 'b')), candidate(credit('a1', 'a'), { alone: true }), candidate(credit('a2', 'a'))],
      limits(),
      { take: [0], tooLarge: [] },
    ],
    [
      'a command to be decided alone opens an empty round for itself only',
      [candidate(credit('a1', 'a'), { alone: true }), candidate(credit('c1', 'c'))],
      limits(),
      { take: [0], tooLarge: [] },
    ],
    [
      'a transfer larger than the group limit alone is too large; the rest goes on',
      [candidate(transfer('t', 'a', 'b')), candidate(credit('c1', 'c'))],
      limits(3),
      { take: [1], tooLarge: [0] },
    ],
    [
      'a transfer that would join two full groups waits',
      [candidate(credit('a1', 'a')), candidate(credit('b1', 'b')), candidate(transfer('t', 'a', 'b')), candidate(credit('c1', 'c'))],
      limits(5),
      { take: [0, 1, 3], tooLarge: [] },
    ],
  ];
  for (const [what, candidates, options, expected] of table) {
    it(what, () => expect(planRound(candidates, options)).toEqual(expected));
  }

  it('keeps each group within the bytes of one transaction: fat users are taken while their bytes fit', () => {
    const fat = (key: string, userId: string) => ({
      ...candidate(credit(key, userId)),
      shape: () => commandShape(credit(key, userId), new Map(), () => 1_500_000),
    });
    const plan = planRound([fat('a1', 'a'), fat('a2', 'a'), fat('b1', 'b')], limits());
    // Separate users are separate groups (chunked apart later); one user's two commands share its one Update.
    expect(plan).toEqual({ take: [0, 1, 2], tooLarge: [] });
    const fatTransfer = (key: string, from: string, to: string) => ({
      ...candidate(transfer(key, from, to)),
      shape: () => commandShape(transfer(key, from, to), new Map(), () => 1_500_000),
    });
    // a and b joined: 3 MB; joining c as well would pass 4 MB.
    expect(planRound([fat('a1', 'a'), fat('c1', 'c'), fatTransfer('t1', 'a', 'b'), fatTransfer('t2', 'b', 'c')], limits())).toEqual({
      take: [0, 1, 2],
      tooLarge: [],
    });
    const huge = { ...candidate(credit('k', 'x')), shape: () => commandShape(credit('k', 'x'), new Map(), () => MAX_TRANSACT_BYTES) };
    expect(planRound([huge], limits())).toEqual({ take: [], tooLarge: [0] });
  });

  it('asks for no shape of a blocked candidate: a hot user’s commands behind the first that waits', () => {
    const asked = new Set<string>();
    const watched = (key: string) => {
      const plain = candidate(credit(key, 'a'));
      const shape = () => {
        asked.add(key);
        return plain.shape();
      };
      return { ...plain, shape };
    };
    // A transaction of 3 actions holds the user's Update and two Puts: a3 waits, and a4-a6 wait behind it.
    const plan = planRound(['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map(watched), limits(3));
    expect(plan).toEqual({ take: [0, 1], tooLarge: [] });
    expect([...asked]).toEqual(['a1', 'a2', 'a3']);
  });

  it('grouping off: a user’s second command waits for the next round', () => {
    const plan = planRound([candidate(credit('a1', 'a')), candidate(credit('a2', 'a')), candidate(credit('b1', 'b'))], {
      ...limits(),
      grouping: false,
    });
    expect(plan).toEqual({ take: [0, 2], tooLarge: [] });
  });

  it('the budget function counts actions and bytes together', () => {
    expect(fitsOne({ actions: 100, bytes: 1 }, { maxActions: 100, maxBytes: 10 })).toBe(true);
    expect(fitsOne({ actions: 101, bytes: 1 }, { maxActions: 100, maxBytes: 10 })).toBe(false);
    expect(fitsOne({ actions: 1, bytes: 11 }, { maxActions: 100, maxBytes: 10 })).toBe(false);
  });
});
