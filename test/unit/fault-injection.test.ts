import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { injectDynamoDbFaults, type FaultKind } from '../../scripts/chaos/fault-injection.js';

/** A client whose calls never leave the process: the last middleware answers every call with an empty success. */
function offlineDocumentClient(): DynamoDBDocumentClient {
  const ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'k', secretAccessKey: 's' } }),
  );
  ddb.middlewareStack.add(() => async () => ({ output: { $metadata: {} }, response: {} }), {
    step: 'build',
    name: 'answerOffline',
    priority: 'low',
  });
  return ddb;
}

const transaction = () =>
  new TransactWriteCommand({
    TransactItems: [{ ConditionCheck: { TableName: 't', Key: { id: 'u' }, ConditionExpression: 'attribute_exists(id)' } }],
  });

describe('chaos fault injection', () => {
  it("fails a worker's first transaction before it is sent and its second after it committed, even when the dice never say so", async () => {
    const ddb = offlineDocumentClient();
    const faults: FaultKind[] = [];
    const neverFires = () => 0.999;
    injectDynamoDbFaults(ddb, { before: 0.05, after: 0.03, stall: 0, stallMs: 0 }, neverFires, (kind) => faults.push(kind));

    await expect(ddb.send(transaction())).rejects.toThrow();
    expect(faults).toEqual(['before']);
    await expect(ddb.send(transaction())).rejects.toThrow();
    expect(faults).toEqual(['before', 'after']);
    await expect(ddb.send(transaction())).resolves.toBeDefined();
    expect(faults).toEqual(['before', 'after']);
  });

  it('injects nothing when every rate is zero', async () => {
    const ddb = offlineDocumentClient();
    const faults: FaultKind[] = [];
    injectDynamoDbFaults(
      ddb,
      { before: 0, after: 0, stall: 0, stallMs: 0 },
      () => 0,
      (kind) => faults.push(kind),
    );
    for (let call = 0; call < 3; call += 1) await expect(ddb.send(transaction())).resolves.toBeDefined();
    expect(faults).toEqual([]);
  });
});
