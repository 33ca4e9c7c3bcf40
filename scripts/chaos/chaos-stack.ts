import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../src/local-stack/dynamodb-local.js';
import { PortInUseError } from '../../src/errors.js';
import { findFreePort } from '../../src/net/ports.js';
import { startSqsEmulator, type SqsEmulator } from '../../src/local-stack/sqs-emulator.js';

/**
 * The embedded stack of one chaos run, on free ports: fauxqs in this process
 * and DynamoDB Local on disk (a data directory), so it can be stopped and
 * started again on the same port with every table and item intact.
 */
export class ChaosStack {
  private constructor(
    private readonly sqs: SqsEmulator,
    private dynamodb: DynamoDbLocal | undefined,
    private readonly dynamodbPort: number,
    private readonly dataDir: string,
    private readonly logger: Logger,
    readonly endpoints: { sqs: string; dynamodb: string },
  ) {}

  static async start(logger: Logger, heapMb = 384): Promise<ChaosStack> {
    // The data only has to outlive DynamoDB Local restarts, not the machine: on tmpfs, SQLite's fsyncs cost nothing.
    const dataDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'wallet-chaos-ddb-'));
    const sqs = await startSqsEmulator({ port: await findFreePort(), region: 'us-east-1' });
    try {
      const port = await findFreePort();
      const dynamodb = await startDynamoDbLocal({ port, heapMb, dataDir, logger });
      return new ChaosStack(sqs, dynamodb, port, dataDir, logger, { sqs: sqs.endpoint, dynamodb: dynamodb.endpoint });
    } catch (error) {
      await sqs.stop();
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Stops DynamoDB Local (SIGKILL when `hard`, else SIGTERM); callers see connection refused until restartDynamoDb(). */
  async stopDynamoDb(hard = false): Promise<void> {
    if (hard && this.dynamodb) process.kill(this.dynamodb.pid, 'SIGKILL');
    await this.dynamodb?.stop();
    this.dynamodb = undefined;
  }

  /**
   * Starts it again on the same port (the workers' endpoint is fixed) over the
   * same data directory. The port was ours a moment ago; if another program on
   * this machine took it meanwhile, keep trying for a while rather than fail.
   */
  async restartDynamoDb(heapMb = 384): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        this.dynamodb = await startDynamoDbLocal({ port: this.dynamodbPort, heapMb, dataDir: this.dataDir, logger: this.logger });
        return;
      } catch (error) {
        if (!(error instanceof PortInUseError) || Date.now() > deadline) throw error;
        await sleep(250);
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.stopDynamoDb(), this.sqs.stop()]);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
