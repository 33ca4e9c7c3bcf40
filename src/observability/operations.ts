import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { EmfFormatter, startEmfFlusher } from './emf.js';
import { MetricsTelemetry } from './metrics.js';
import { startOpsServer, type OpsServer, type Readiness } from './ops-server.js';
import { noopTelemetry, type Telemetry } from './telemetry.js';

/**
 * What an entry point (scripts/worker.ts, scripts/start.ts) runs beside the
 * worker, from the configuration: the telemetry the worker records into, the
 * metrics and health server (WALLET_METRICS_PORT) and the EMF lines
 * (WALLET_METRICS_EMF). With neither set, the telemetry records no metrics.
 */
export interface Operations {
  telemetry: Telemetry;
  /** Starts the server, the store probe and the EMF flusher, once the clients exist. */
  start(deps: { ddb: DynamoDBDocumentClient; config: Config }): Promise<void>;
  /** The server's base URL, once started (undefined when the port is not set). */
  readonly url: string | undefined;
  /** Stops the probe and the server, and writes the last EMF lines. */
  stop(): Promise<void>;
}

/** A key no user has: the probe is a plain GetItem on the Users table, which the worker may already call. */
const PROBE_KEY = '__wallet_readiness_probe__';

export function createOperations(
  config: Config,
  logger: Logger,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Operations {
  const settings = config.observability;
  const metrics = settings.metricsPort !== undefined || settings.emf ? new MetricsTelemetry() : undefined;
  const telemetry = metrics ?? noopTelemetry();
  let server: OpsServer | undefined;
  let probeTimer: NodeJS.Timeout | undefined;
  let emf: ReturnType<typeof startEmfFlusher> | undefined;
  let stopped = false;
  let store: { reachable: boolean; checkedAt?: string; error?: string } = { reachable: false };

  async function probe(ddb: DynamoDBDocumentClient, usersTable: string): Promise<void> {
    try {
      await ddb.send(new GetCommand({ TableName: usersTable, Key: { userId: PROBE_KEY } }), {
        abortSignal: AbortSignal.timeout(settings.readyProbeSeconds * 1000),
      });
      if (!store.reachable) logger.info('store probe: DynamoDB answers');
      store = { reachable: true, checkedAt: new Date().toISOString() };
    } catch (err) {
      if (store.reachable) logger.warn({ err }, 'store probe: DynamoDB does not answer; not ready');
      store = { reachable: false, checkedAt: new Date().toISOString(), error: err instanceof Error ? err.name : String(err) };
    }
  }

  const readiness = (): Readiness => {
    const polling = telemetry.pollState === 'polling';
    return { ready: polling && store.reachable, details: { poll: telemetry.pollState, store } };
  };

  return {
    telemetry,
    get url() {
      return server?.url;
    },
    async start({ ddb, config: running }) {
      // One probe in flight at a time: the next is scheduled when the last has ended.
      const loop = async () => {
        await probe(ddb, running.tables.users);
        if (stopped) return;
        probeTimer = setTimeout(() => void loop(), settings.readyProbeSeconds * 1000);
        probeTimer.unref();
      };
      if (settings.metricsPort !== undefined) {
        server = await startOpsServer({ host: settings.metricsHost, port: settings.metricsPort, registry: metrics?.registry, readiness });
        void loop();
        logger.info({ url: server.url }, 'metrics and health server listening (/metrics, /healthz, /readyz)');
      }
      if (metrics && settings.emf) {
        const formatter = new EmfFormatter(metrics.registry, {
          namespace: settings.emfNamespace,
          dimensions: { Queue: running.queues.command },
        });
        emf = startEmfFlusher(formatter, write, settings.emfIntervalSeconds * 1000, (err) =>
          logger.warn({ err }, 'could not write EMF metrics'),
        );
      }
    },
    async stop() {
      stopped = true;
      clearTimeout(probeTimer);
      probeTimer = undefined;
      await emf?.stop();
      await server?.close();
    },
  };
}
