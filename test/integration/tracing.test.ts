import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandTracer, runInCommandTraces } from '../../src/observability/tracing.js';
import { useCleanups } from '../support/cleanups.js';
import { eventually } from '../support/eventually.js';
import { createUser, uniqueKey } from '../support/wallet.js';

/**
 * An application that registers an OpenTelemetry SDK sees one trace per
 * command: the producer's publish, the worker's decision (with its DynamoDB
 * calls) and the reply, whose message carries the trace on.
 */
const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
afterAll(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});

const cleanups = useCleanups();

describe('traces across the queues', () => {
  it('links publish, decide (with its DynamoDB transaction) and reply in one trace, and passes it on in the reply message', async () => {
    const wallet = await cleanups.wallet();
    wallet.startWorker();
    const userId = await createUser(wallet, '100');
    const key = uniqueKey('traced');
    await wallet.publishTransaction({ idempotentKey: key, userId, type: 'credit', amount: '10' });

    const reply = await eventually('the reply', async () => {
      const { Messages = [] } = await wallet.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: wallet.queueUrls.reply, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
      );
      const [message] = Messages;
      if (message)
        await wallet.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: wallet.queueUrls.reply, ReceiptHandle: message.ReceiptHandle }));
      return message;
    });
    const spans = await eventually('the command span to end', () => {
      const finished = exporter.getFinishedSpans();
      return finished.some((span) => span.name === 'wallet command process') ? finished : undefined;
    });

    const publish = spans.find((span) => span.name === 'wallet command publish');
    const process = spans.find((span) => span.name === 'wallet command process');
    const replySpan = spans.find((span) => span.name === 'wallet reply publish');
    const transaction = spans.find((span) => span.name === 'DynamoDB.TransactWriteItems');
    expect(publish?.kind).toBe(SpanKind.PRODUCER);
    expect(process?.kind).toBe(SpanKind.CONSUMER);
    const traceId = publish?.spanContext().traceId;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    for (const span of [process, replySpan, transaction]) expect(span?.spanContext().traceId).toBe(traceId);
    expect(process?.parentSpanContext?.spanId).toBe(publish?.spanContext().spanId);
    expect(transaction?.parentSpanContext?.spanId).toBe(process?.spanContext().spanId);
    expect(replySpan?.parentSpanContext?.spanId).toBe(process?.spanContext().spanId);
    expect(process?.attributes).toMatchObject({ 'wallet.status': 'applied', 'wallet.replayed': false });

    expect(JSON.parse(reply.Body ?? '')).toMatchObject({ idempotentKey: key, status: 'applied' });
    expect(reply.MessageAttributes?.traceparent?.StringValue).toBe(`00-${traceId}-${replySpan?.spanContext().spanId}-01`);
  });

  it("puts one DynamoDB call that serves several commands (group commit) in the first command's trace, linked to the others", async () => {
    const wallet = await cleanups.wallet();
    const [first, second, third] = ['a', 'b', 'c'].map((id) => commandTracer.start({ MessageId: id }));
    await runInCommandTraces([first, second, undefined, third, second], () =>
      wallet.clients.ddb.send(new GetCommand({ TableName: wallet.config.tables.users, Key: { userId: uniqueKey('nobody') } })),
    );
    for (const trace of [first, second, third]) trace?.end();

    const call = exporter
      .getFinishedSpans()
      .find((span) => span.name === 'DynamoDB.GetItem' && span.parentSpanContext?.spanId === first?.spanContext.spanId);
    expect(call?.spanContext().traceId).toBe(first?.spanContext.traceId);
    expect(call?.links.map((link) => link.context.spanId)).toEqual([second?.spanContext.spanId, third?.spanContext.spanId]);
  });
});
