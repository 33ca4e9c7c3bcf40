/**
 * `wallet-worker/producer`: the wire format only. Putting commands on the
 * queue and waiting for their replies needs nothing but an SQS client
 * (no DynamoDB, no worker code): see README "Library".
 */
export {
  createProducer,
  type Producer,
  type ProducerOptions,
  type RequestOptions,
  type SendOptions,
  type SentCommand,
} from './producer.js';
export { CommandSchema, parseCommand, parseCommandBody, type Command } from '../messages/command.js';
export { ReplySchema, type Reply, type RejectionReason } from '../messages/reply.js';
export { CORRELATION_ID_ATTRIBUTE, REPLY_TO_ATTRIBUTE } from '../messages/attributes.js';
export { commandDeduplicationId, fifoFields, isFifoQueue } from '../queue/fifo.js';
export type { ReplyQueueSecurity } from '../config.js';
export { InvalidRequestError, ReplyTimeoutError, ReplyWaitCancelledError, WalletError } from '../errors.js';
