/**
 * SQS message attributes of a command message (SPEC "Request and reply"):
 * ReplyTo and CorrelationId route the reply (traceparent and tracestate, the
 * W3C trace context, are read by src/observability/tracing.ts). The worker
 * receives every attribute, so a poison message reaches the DLQ with all of them.
 */
export const REPLY_TO_ATTRIBUTE = 'ReplyTo';
export const CORRELATION_ID_ATTRIBUTE = 'CorrelationId';
