import { describe, expect, it } from 'vitest';
import {
  formatAllocationSummary,
  formatProfileSummary,
  ownerOf,
  summarizeAllocations,
  summarizeProfile,
  type CpuProfile,
} from '../../scripts/bench/profile-summary.js';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

describe('bench profile summary', () => {
  it('names the owner of a frame by its script', () => {
    expect(ownerOf('send', 'file:///w/node_modules/@smithy/core/dist-cjs/index.js')).toBe('AWS SDK');
    expect(ownerOf('x', 'file:///w/node_modules/@aws-sdk/client-sqs/dist-cjs/index.js')).toBe('AWS SDK');
    expect(ownerOf('write', 'file:///w/node_modules/pino/lib/proto.js')).toBe('pino');
    expect(ownerOf('poll', 'file:///w/node_modules/sqs-consumer/dist/esm/consumer.js')).toBe('sqs-consumer');
    expect(ownerOf('decide', 'file:///w/src/ledger/engine.ts')).toBe('wallet ledger');
    expect(ownerOf('meter', 'file:///w/scripts/bench/meter.ts')).toBe('bench harness');
    expect(ownerOf('writev', 'node:net')).toBe('Node http/net/streams');
    expect(ownerOf('(garbage collector)', '')).toBe('GC (main thread)');
    expect(ownerOf('digest', '')).toBeUndefined();
  });

  it('counts a native frame as its caller’s, and leaves idle time out', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 4, 5] },
        { id: 2, callFrame: frame('sign', 'file:///w/node_modules/@smithy/signature-v4/dist-cjs/index.js'), children: [3] },
        { id: 3, callFrame: frame('digest') },
        { id: 4, callFrame: frame('(idle)') },
        { id: 5, callFrame: frame('decide', 'file:///w/src/ledger/engine.ts') },
      ],
      samples: [3, 3, 2, 4, 4, 4, 5],
      timeDeltas: [1000, 1000, 1000, 5000, 5000, 5000, 2000],
    };
    const summary = summarizeProfile(profile);
    expect(summary.busyMs).toBe(5);
    expect(summary.byOwner).toEqual([
      ['AWS SDK', 3],
      ['wallet ledger', 2],
    ]);
    expect(summary.topFunctions[0]).toEqual(['digest', 2]);
    const lines = formatProfileSummary(summary, 10);
    expect(lines[0]).toBe('main thread busy 5 ms = 500.0 µs per command (10 commands)');
    expect(lines[1]).toContain('60.0%');
  });

  it('sums an allocation profile by owner, a native frame counted as its caller’s', () => {
    const summary = summarizeAllocations({
      head: {
        callFrame: frame('(root)'),
        selfSize: 0,
        children: [
          {
            callFrame: frame('processKeysInObj', 'file:///w/node_modules/@aws-sdk/lib-dynamodb/dist-cjs/index.js'),
            selfSize: 2048,
            children: [{ callFrame: frame('entries'), selfSize: 4096 }],
          },
          { callFrame: frame('encodeMap', 'file:///w/src/ledger/chain.ts'), selfSize: 2048 },
        ],
      },
    });
    expect(summary.bytes).toBe(8192);
    expect(summary.byOwner).toEqual([
      ['AWS SDK', 6144],
      ['wallet ledger', 2048],
    ]);
    expect(summary.topFunctions[0]).toEqual(['entries', 4096]);
    expect(formatAllocationSummary(summary, 4)[0]).toBe('allocated 0 MB = 2.0 KiB per command (sampled)');
  });
});
