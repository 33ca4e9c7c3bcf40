/**
 * SQS message attributes of a command message (SPEC "Request and reply").
 * The worker asks SQS for exactly these on every receive; any other
 * attribute a producer sets is not read.
 */
export const REPLY_TO_ATTRIBUTE = 'ReplyTo';
export const CORRELATION_ID_ATTRIBUTE = 'CorrelationId';

/** ReplyTo and CorrelationId route the reply; traceparent and tracestate carry a W3C trace context. */
export const COMMAND_MESSAGE_ATTRIBUTES = [REPLY_TO_ATTRIBUTE, CORRELATION_ID_ATTRIBUTE, 'traceparent', 'tracestate'] as const;
