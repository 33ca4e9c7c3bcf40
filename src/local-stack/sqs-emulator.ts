import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildAppOptions } from 'fauxqs';
import { isMissingPackage, packageMissingError } from './optional-packages.js';
import { assertPortFree, urlHostFor } from '../net/ports.js';

export interface SqsEmulator {
  endpoint: string;
  stop(): Promise<void>;
}

type Stores = NonNullable<BuildAppOptions['stores']>;
type SqsStore = Stores['sqsStore'];

const ACCOUNT_ID = '000000000000';

/**
 * fauxqs, in this process: an SQS JSON-protocol server listening on
 * `bindHost` only (127.0.0.1 unless opened up on purpose).
 *
 * Two things differ from fauxqs' own `startFauxqs()`, which always listens on
 * 0.0.0.0 and names queues `http://sqs.<region>.localhost:<port>/…`:
 * - it listens on `bindHost`;
 * - queue URLs are `http://127.0.0.1:<port>/000000000000/<name>` (the bind
 *   address instead when it is a specific one), because the AWS SDK v3 sends to the
 *   queue URL's host by default and `sqs.<region>.localhost` does not resolve
 *   on many machines. A producer built with `new SQSClient({})` and only
 *   AWS_ENDPOINT_URL_SQS then works unchanged. URLs naming the queue under
 *   any other host (the old `sqs.<region>.localhost` form, `localhost`) are
 *   still accepted.
 */
export async function startSqsEmulator({
  port,
  region,
  bindHost = '127.0.0.1',
}: {
  port: number;
  region: string;
  bindHost?: string;
}): Promise<SqsEmulator> {
  await assertPortFree(port, 'the SQS emulator (fauxqs)', 'WALLET_EMBEDDED_SQS_PORT');
  const endpoint = `http://${urlHostFor(bindHost)}:${port}`;
  // An optional dependency, loaded only when an embedded stack starts: the production image has no fauxqs.
  const { buildApp } = await import('fauxqs').catch((error: unknown) => {
    throw isMissingPackage(error, 'fauxqs') ? packageMissingError('fauxqs', { cause: error }) : error;
  });
  const stores = await createStores(`${endpoint}/${ACCOUNT_ID}`);
  const app = buildApp({ logger: false, defaultRegion: region, stores });
  await app.listen({ port, host: bindHost });
  return {
    endpoint,
    stop: () => app.close(),
  };
}

/**
 * fauxqs exports its app builder but not its store classes; they are loaded
 * from the pinned package's files (the exports map only guards bare
 * specifiers). The embedded-stack tests fail loudly if a new fauxqs moves them.
 */
async function createStores(queueUrlBase: string): Promise<Stores> {
  const packageDir = fauxqsDirectory();
  const load = async <T>(path: string, name: string): Promise<new () => T> => {
    const module = (await import(pathToFileURL(join(packageDir, 'dist', path)).href)) as Record<string, new () => T>;
    const storeClass = module[name];
    if (!storeClass)
      throw new Error(`fauxqs has no ${name} in dist/${path}: update src/local-stack/sqs-emulator.ts for this fauxqs version`);
    return storeClass;
  };
  const [SqsStoreClass, SnsStoreClass, S3StoreClass] = await Promise.all([
    load<SqsStore>('sqs/sqsStore.js', 'SqsStore'),
    load<Stores['snsStore']>('sns/snsStore.js', 'SnsStore'),
    load<Stores['s3Store']>('s3/s3Store.js', 'S3Store'),
  ]);

  const sqsStore = new SqsStoreClass();
  const byUrl = sqsStore.getQueue.bind(sqsStore);
  // One URL per queue, whatever host or region the creating request named.
  sqsStore.buildQueueUrl = (queueName) => `${queueUrlBase}/${queueName}`;
  // A URL is accepted under any host as long as its path names a queue.
  sqsStore.getQueue = (url) => byUrl(url) ?? byPath(sqsStore, url);
  return { sqsStore, snsStore: new SnsStoreClass(), s3Store: new S3StoreClass() };
}

/** Where node would find `fauxqs` from here (its exports map refuses even `fauxqs/package.json`). */
function fauxqsDirectory(): string {
  const candidates = (createRequire(import.meta.url).resolve.paths('fauxqs') ?? []).map((dir) => join(dir, 'fauxqs'));
  const found = candidates.find((dir) => existsSync(join(dir, 'package.json')));
  if (!found) throw packageMissingError('fauxqs');
  return found;
}

function byPath(store: SqsStore, url: string): ReturnType<SqsStore['getQueue']> {
  let segments: string[];
  try {
    segments = new URL(url).pathname.split('/').filter(Boolean);
  } catch {
    return undefined;
  }
  const [account, name] = segments;
  if (segments.length !== 2 || account !== ACCOUNT_ID || !name) return undefined;
  return store.getQueueByName(name);
}
