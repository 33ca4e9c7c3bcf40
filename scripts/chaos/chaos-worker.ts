/**
 * One chaos worker process: the real worker (src/queue/worker.ts) with
 * faults injected at the SDK boundary. The driver SIGKILLs it at will and
 * SIGTERMs it at the end (which must exit 0: SPEC rule 9).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { destination, pino } from 'pino';
import { createAwsClients } from '../../src/clients.js';
import { loadConfig } from '../../src/config.js';
import { startWorker } from '../../src/queue/worker.js';
import { lookUpQueues } from '../../src/resources/provision.js';
import { countDeliveries, injectDynamoDbFaults, injectSqsFaults, injectThrottleBursts } from './fault-injection.js';
import { seededRandom } from '../support/random.js';
import { ChaosWorkerEnvSchema, workerLine } from './worker-protocol.js';

const config = loadConfig();
const chaos = ChaosWorkerEnvSchema.parse(process.env);
const logger = pino({ name: `chaos-${chaos.CHAOS_WORKER_ID}`, level: config.logLevel }, destination(2));
const random = seededRandom(chaos.CHAOS_SEED);
// Pipes to the driver are synchronous on Linux, so a line written before a SIGKILL is not lost.
const emit = (line: string) => process.stdout.write(line);

const clients = createAwsClients(config);
const queueUrls = await lookUpQueues(clients.sqs, config);
countDeliveries(clients.sqs, (count) => emit(workerLine.delivered(count)));
injectDynamoDbFaults(
  clients.ddb,
  { before: chaos.CHAOS_FAULT_BEFORE, after: chaos.CHAOS_FAULT_AFTER, stall: chaos.CHAOS_FAULT_STALL, stallMs: chaos.CHAOS_STALL_MS },
  random,
  (fault, command) => emit(workerLine.fault(fault, command)),
);
injectSqsFaults(clients.sqs, chaos.CHAOS_FAULT_SQS, random, (fault, command) => emit(workerLine.fault(fault, command)));
if (chaos.CHAOS_THROTTLE_USER !== undefined && chaos.CHAOS_THROTTLE_ON_MS > 0) {
  const bursts = {
    userId: chaos.CHAOS_THROTTLE_USER,
    usersTable: config.tables.users,
    onMs: chaos.CHAOS_THROTTLE_ON_MS,
    offMs: chaos.CHAOS_THROTTLE_OFF_MS,
  };
  injectThrottleBursts(clients.ddb, bursts, random, (fault, command) => emit(workerLine.fault(fault, command)));
}

const worker = startWorker(
  { sqs: clients.sqs, ddb: clients.ddb, logger, config, queueUrls },
  {
    hooks: {
      // Committed but not yet replied or deleted: the message comes back to another worker meanwhile.
      async afterApply() {
        if (random() < chaos.CHAOS_SLOW_REPLY) {
          emit(workerLine.fault('slow-reply', 'afterApply'));
          await sleep(chaos.CHAOS_STALL_MS);
        }
      },
    },
  },
);
emit(workerLine.ready());

// The driver never writes to our stdin; its end means the driver is gone (killed, or its test timed out).
process.stdin.once('end', () => process.exit(1));
process.stdin.resume();

process.once('SIGTERM', () => {
  void worker.stop().then(() => {
    clients.destroy();
    process.exit(0);
  });
});
