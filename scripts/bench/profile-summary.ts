/**
 * What a worker's main thread spent its CPU on, from a V8 `.cpuprofile`:
 * each sample goes to the nearest frame on its stack that says whose code
 * runs (a package, the wallet's own source, Node's internals), so a JSON.parse
 * the SDK calls counts as the SDK's. Pure: profile in, figures out (the bench
 * prints them; test/unit pins them down).
 */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; parent?: number; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Main-thread CPU in the profile (idle excluded), ms. */
  busyMs: number;
  /** ms by owner, largest first. */
  byOwner: [string, number][];
  /** The functions with the most self time: "name (file:line)", ms. */
  topFunctions: [string, number][];
}

/** Who owns a frame, by its script URL; undefined = native or unknown (the caller's owner counts). */
export function ownerOf(functionName: string, url: string): string | undefined {
  if (functionName === '(garbage collector)') return 'GC (main thread)';
  if (functionName === '(program)') return 'V8 / native (no JS on the stack)';
  if (functionName === '(idle)') return 'idle';
  if (url === '') return undefined;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg) {
    if (pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/') || pkg.startsWith('@aws-crypto/') || pkg === 'fast-xml-parser')
      return 'AWS SDK';
    if (pkg.startsWith('@opentelemetry/')) return 'OpenTelemetry';
    if (pkg === 'pino' || pkg === 'pino-std-serializers' || pkg === 'fast-redact' || pkg === 'sonic-boom' || pkg === '@pinojs/redact')
      return 'pino';
    return pkg;
  }
  if (url.startsWith('node:internal/') || url.startsWith('node:')) return nodeArea(url);
  const own = /\/(src|scripts)\/(.+)\.[cm]?[jt]s$/.exec(url);
  if (own) return own[1] === 'src' ? `wallet ${(own[2] ?? '').split('/')[0]}` : `bench harness`;
  return 'other';
}

/** Node's internals, by area: the HTTP client and sockets apart from the rest. */
function nodeArea(url: string): string {
  if (/^node:(internal\/)?(http|_http_|https|net|stream|tls|dns)/.test(url)) return 'Node http/net/streams';
  return 'Node other';
}

export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const ownerCache = new Map<number, string>();
  const owner = (id: number): string => {
    const cached = ownerCache.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id);
    const mine = node ? ownerOf(node.callFrame.functionName, node.callFrame.url) : 'other';
    const up = parent.get(id);
    const found = mine ?? (up === undefined ? 'native (no caller)' : owner(up));
    ownerCache.set(id, found);
    return found;
  };
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyMs = 0;
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    const who = owner(id);
    if (who === 'idle') return;
    busyMs += ms;
    owners.set(who, (owners.get(who) ?? 0) + ms);
    const frame = byId.get(id)?.callFrame;
    const file = frame?.url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|scripts)\//, '$1/') ?? '';
    const name = `${frame?.functionName || '(anonymous)'}${file ? ` (${file}:${(frame?.lineNumber ?? 0) + 1})` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
  });
  const largest = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return { busyMs, byOwner: largest(owners), topFunctions: largest(functions).slice(0, top) };
}

/** The summary as lines: each owner's share and ms per command, then the top functions. */
export function formatProfileSummary(summary: ProfileSummary, commands: number): string[] {
  const per = (ms: number) => (commands > 0 ? ((ms / commands) * 1000).toFixed(1) : '-');
  const share = (ms: number) => `${((100 * ms) / Math.max(summary.busyMs, 1e-9)).toFixed(1)}%`;
  return [
    `main thread busy ${summary.busyMs.toFixed(0)} ms = ${per(summary.busyMs)} µs per command (${commands} commands)`,
    ...summary.byOwner.map(([who, ms]) => `  ${share(ms).padStart(6)}  ${per(ms).padStart(6)} µs/cmd  ${who}`),
    'top functions by self time:',
    ...summary.topFunctions.map(([name, ms]) => `  ${share(ms).padStart(6)}  ${per(ms).padStart(6)} µs/cmd  ${name}`),
  ];
}

/** A V8 sampling heap profile (`HeapProfiler.stopSampling`, `.heapprofile`). */
export interface AllocationProfile {
  head: AllocationNode;
}

interface AllocationNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children?: AllocationNode[];
}

export interface AllocationSummary {
  /** Bytes allocated in the span (sampled estimate). */
  bytes: number;
  /** Bytes by owner (as for CPU: the nearest frame that says whose code runs), largest first. */
  byOwner: [string, number][];
  /** The functions that allocated the most themselves: "name (file:line)", bytes. */
  topFunctions: [string, number][];
}

export function summarizeAllocations(profile: AllocationProfile, top = 15): AllocationSummary {
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  let bytes = 0;
  const visit = (node: AllocationNode, inherited: string) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const who = ownerOf(functionName, url) ?? inherited;
    if (node.selfSize > 0) {
      bytes += node.selfSize;
      owners.set(who, (owners.get(who) ?? 0) + node.selfSize);
      const file = url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|scripts)\//, '$1/');
      const name = `${functionName || '(anonymous)'}${file ? ` (${file}:${lineNumber + 1})` : ''}`;
      functions.set(name, (functions.get(name) ?? 0) + node.selfSize);
    }
    for (const child of node.children ?? []) visit(child, who);
  };
  visit(profile.head, 'native (no caller)');
  const largest = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return { bytes, byOwner: largest(owners), topFunctions: largest(functions).slice(0, top) };
}

/** The allocation summary as lines: bytes per command, by owner, then the top functions. */
export function formatAllocationSummary(summary: AllocationSummary, commands: number): string[] {
  const per = (bytes: number) => (commands > 0 ? (bytes / commands / 1024).toFixed(1) : '-');
  const share = (bytes: number) => `${((100 * bytes) / Math.max(summary.bytes, 1)).toFixed(1)}%`;
  return [
    `allocated ${(summary.bytes / 1024 / 1024).toFixed(0)} MB = ${per(summary.bytes)} KiB per command (sampled)`,
    ...summary.byOwner.map(([who, bytes]) => `  ${share(bytes).padStart(6)}  ${per(bytes).padStart(6)} KiB/cmd  ${who}`),
    'top functions by bytes allocated:',
    ...summary.topFunctions.map(([name, bytes]) => `  ${share(bytes).padStart(6)}  ${per(bytes).padStart(6)} KiB/cmd  ${name}`),
  ];
}
