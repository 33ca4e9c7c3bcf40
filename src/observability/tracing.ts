import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  createContextKey,
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';

/**
 * Traces through @opentelemetry/api only: with no SDK registered by the
 * application every call here is a no-op. The W3C trace context travels in
 * the SQS message attributes `traceparent` / `tracestate`: the producer
 * injects it, the worker continues it in a span per command (children: the
 * DynamoDB calls and the reply) and injects it into the reply.
 */
const TRACER_NAME = 'wallet-worker';
const tracer = () => trace.getTracer(TRACER_NAME);

export type MessageAttributes = Record<string, MessageAttributeValue>;

const attributeGetter: TextMapGetter<MessageAttributes | undefined> = {
  keys: (carrier) => Object.keys(carrier ?? {}),
  get: (carrier, key) => carrier?.[key]?.StringValue,
};

const attributeSetter: TextMapSetter<MessageAttributes> = {
  set: (carrier, key, value) => {
    carrier[key] = { DataType: 'String', StringValue: value };
  },
};

/** The message attributes that carry `ctx` (empty when no propagator is registered). */
export function traceAttributes(ctx: Context = context.active()): MessageAttributes {
  const carrier: MessageAttributes = {};
  propagation.inject(ctx, carrier, attributeSetter);
  return carrier;
}

export interface ReplyTrace {
  /** Attributes to add to the reply message: the reply span's trace context. */
  attributes: MessageAttributes;
  end(error?: unknown): void;
}

export interface CommandTrace {
  /** The command span's context: the parent of what is done for this command. */
  readonly context: Context;
  readonly spanContext: SpanContext;
  /** Runs `fn` with the command's span active, so spans started inside (DynamoDB calls) are its children. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Notes the outcome on the span. */
  decided(outcome: { status: string; reason?: string | undefined; replayed: boolean }): void;
  /** Starts the child span of publishing the reply. */
  startReply(): ReplyTrace;
  end(error?: unknown): void;
}

function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** Runs `run` and ends `span` when it settles: with the error it throws (rethrown), if any. */
async function endSpanAfter<T>(span: Span, run: () => Promise<T>): Promise<T> {
  try {
    const result = await run();
    endSpan(span);
    return result;
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
}

/**
 * Whether an application registered anything to trace with: a tracer
 * provider or a propagator (with only a propagator, the producer's trace
 * context still travels on in the reply). Asked per command, so an SDK
 * registered after the worker started still gets every later command.
 */
export function tracingOn(): boolean {
  const provider = trace.getTracerProvider();
  return (
    !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer(TRACER_NAME) !== undefined || propagation.fields().length > 0
  );
}

const NO_ATTRIBUTES: MessageAttributes = Object.freeze({}) as MessageAttributes;
const NO_REPLY_TRACE: ReplyTrace = { attributes: NO_ATTRIBUTES, end: () => undefined };

/**
 * The trace of a command when nothing traces: what the API's no-op spans
 * would do (nothing), without building a span, two contexts and the
 * attribute carriers for every message.
 */
const NO_COMMAND_TRACE: CommandTrace = {
  context: ROOT_CONTEXT,
  spanContext: INVALID_SPAN_CONTEXT,
  run: (fn) => fn(),
  decided: () => undefined,
  startReply: () => NO_REPLY_TRACE,
  end: () => undefined,
};

export const commandTracer = {
  /** Starts the span of one received command, as a child of the trace its attributes carry. */
  start(message: Message): CommandTrace {
    if (!tracingOn()) return NO_COMMAND_TRACE;
    const parent = propagation.extract(ROOT_CONTEXT, message.MessageAttributes, attributeGetter);
    const span = tracer().startSpan(
      'wallet command process',
      { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'aws_sqs', 'messaging.message.id': message.MessageId ?? '' } },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);
    return {
      context: spanContext,
      spanContext: span.spanContext(),
      run: (fn) => context.with(spanContext, fn),
      decided(outcome) {
        span.setAttributes({
          'wallet.status': outcome.status,
          'wallet.replayed': outcome.replayed,
          ...(outcome.reason && { 'wallet.reason': outcome.reason }),
        });
      },
      startReply() {
        const reply = tracer().startSpan(
          'wallet reply publish',
          { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'aws_sqs' } },
          spanContext,
        );
        return { attributes: traceAttributes(trace.setSpan(spanContext, reply)), end: (error) => endSpan(reply, error) };
      },
      end: (error) => endSpan(span, error),
    };
  },
};

/** Span contexts of the other commands a group-commit call serves: the call's span links to them. */
const LINKED_COMMANDS = createContextKey('wallet linked command spans');

/**
 * Runs `fn` (a read or a write that decides several commands at once) in the
 * first command's trace, its spans linked to every other command's span: one
 * DynamoDB transaction of a group commit shows in each trace it served.
 */
export function runInCommandTraces<T>(traces: readonly (CommandTrace | undefined)[], fn: () => Promise<T>): Promise<T> {
  const present = [...new Set(traces.filter((each): each is CommandTrace => each !== undefined))];
  const [first, ...others] = present;
  if (!first || first === NO_COMMAND_TRACE) return fn();
  return context.with(
    first.context.setValue(
      LINKED_COMMANDS,
      others.map((other) => other.spanContext),
    ),
    fn,
  );
}

/** Runs `fn` in a producer span and hands it the message attributes carrying that span's context. */
export async function withPublishSpan<T>(queueUrl: string, fn: (attributes: MessageAttributes) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(
    'wallet command publish',
    {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.system': 'aws_sqs', 'messaging.destination.name': queueUrl.split('/').pop() ?? queueUrl },
    },
    (span) => endSpanAfter(span, () => fn(traceAttributes())),
  );
}

/**
 * A client span around every AWS call made while a span is active (the
 * DynamoDB transaction inside a command's span); calls outside any trace
 * (long polls, deletes) make none.
 */
export function traceAwsCalls(stack: DynamoDBClient['middlewareStack'], service: string): void {
  stack.add(
    (next, handlerContext) => async (args) => {
      const active = context.active();
      if (!trace.getSpan(active)) return next(args);
      const operation = (handlerContext.commandName ?? 'call').replace(/Command$/, '');
      const links: Link[] = ((active.getValue(LINKED_COMMANDS) as SpanContext[] | undefined) ?? []).map((linked) => ({ context: linked }));
      const span = tracer().startSpan(
        `${service}.${operation}`,
        { kind: SpanKind.CLIENT, links, attributes: { 'rpc.system': 'aws-api', 'rpc.service': service, 'rpc.method': operation } },
        active,
      );
      return endSpanAfter(span, () => context.with(trace.setSpan(active, span), () => next(args)));
    },
    { step: 'initialize', name: `walletTrace${service}`, override: true },
  );
}
