import { assertPortFree } from './ports.js';

export interface SqsEmulator {
  endpoint: string;
  stop(): Promise<void>;
}

/** fauxqs, in this process: an SQS JSON-protocol server on 127.0.0.1. */
export async function startSqsEmulator({ port, region }: { port: number; region: string }): Promise<SqsEmulator> {
  await assertPortFree(port, 'the SQS emulator (fauxqs)', 'WALLET_EMBEDDED_SQS_PORT');
  // A development dependency, loaded only when an embedded stack starts: the production image has no fauxqs.
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port, host: 'localhost', defaultRegion: region, logger: false });
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    stop: () => server.stop(),
  };
}
