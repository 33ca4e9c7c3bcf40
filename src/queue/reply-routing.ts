import type { Message } from '@aws-sdk/client-sqs';
import { CORRELATION_ID_ATTRIBUTE, REPLY_TO_ATTRIBUTE } from '../messages/attributes.js';

/** Where one reply goes, and the CorrelationId it carries back (SPEC "Request and reply"). */
export interface ReplyRoute {
  queueUrl: string;
  correlationId?: string;
  /** The command asked for a ReplyTo that is not accepted; the reply goes to the default queue instead. */
  replyToRefused?: true;
}

/**
 * A CorrelationId longer than this is not echoed (the reply still goes out):
 * copying an arbitrarily long attribute could push the reply over the SQS
 * size limit, and a reply must always be publishable (rule 8).
 */
export const MAX_CORRELATION_ID_LENGTH = 1024;

const FIFO_SUFFIX = '.fifo';
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** The name every accepted ReplyTo queue starts with: the configured reply queue's name without `.fifo`. */
export function replyQueuePrefix(replyQueueName: string): string {
  return replyQueueName.endsWith(FIFO_SUFFIX) ? replyQueueName.slice(0, -FIFO_SUFFIX.length) : replyQueueName;
}

/**
 * Whether a queue name may receive replies: it starts with the reply queue's
 * prefix and is of the same kind (FIFO when the configured reply queue is
 * FIFO, standard otherwise), so one reply publisher serves both alike.
 */
export function isReplyQueueName(name: string, replyQueueName: string): boolean {
  const fifo = replyQueueName.endsWith(FIFO_SUFFIX);
  if (name.endsWith(FIFO_SUFFIX) !== fifo || name.length > 80) return false;
  const base = fifo ? name.slice(0, -FIFO_SUFFIX.length) : name;
  return QUEUE_NAME.test(base) && base.startsWith(replyQueuePrefix(replyQueueName));
}

/**
 * Decides where the reply to `message` goes. A ReplyTo is accepted only when
 * it names a queue in the same place as the default reply queue (scheme,
 * host, account path: a URL is never a way to send a reply to another host
 * or account) whose name passes isReplyQueueName; anything else, or no
 * ReplyTo, means the default reply queue. Pure: no I/O.
 */
export function routeReply(message: Pick<Message, 'MessageAttributes'>, defaultReplyQueueUrl: string): ReplyRoute {
  const replyTo = stringAttribute(message, REPLY_TO_ATTRIBUTE);
  const correlationId = stringAttribute(message, CORRELATION_ID_ATTRIBUTE);
  const echo = correlationId !== undefined && correlationId.length <= MAX_CORRELATION_ID_LENGTH ? { correlationId } : {};
  if (replyTo === undefined) return { queueUrl: defaultReplyQueueUrl, ...echo };
  const accepted = acceptedReplyTo(replyTo, defaultReplyQueueUrl);
  return accepted ? { queueUrl: accepted, ...echo } : { queueUrl: defaultReplyQueueUrl, ...echo, replyToRefused: true };
}

/** The queue URL to use for an accepted ReplyTo (rebuilt from the default's location), or undefined. */
function acceptedReplyTo(replyTo: string, defaultReplyQueueUrl: string): string | undefined {
  const wanted = splitQueueUrl(replyTo);
  const fallback = splitQueueUrl(defaultReplyQueueUrl);
  if (!wanted || !fallback || wanted.location !== fallback.location) return undefined;
  return isReplyQueueName(wanted.name, fallback.name) ? `${fallback.location}/${wanted.name}` : undefined;
}

function splitQueueUrl(url: string): { location: string; name: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.username || parsed.password || parsed.search || parsed.hash) return undefined;
  const slash = parsed.pathname.lastIndexOf('/');
  if (slash < 0) return undefined;
  return { location: `${parsed.origin}${parsed.pathname.slice(0, slash)}`, name: parsed.pathname.slice(slash + 1) };
}

function stringAttribute(message: Pick<Message, 'MessageAttributes'>, name: string): string | undefined {
  const attribute = message.MessageAttributes?.[name];
  if (!attribute?.DataType?.startsWith('String')) return undefined;
  return attribute.StringValue === undefined || attribute.StringValue === '' ? undefined : attribute.StringValue;
}
