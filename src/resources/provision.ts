import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { CreateTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.js';
import { queueDefinitions, redrivePolicy, tableDefinitions, type QueueUrls } from './definitions.js';

/** Creates the queues if they are missing (CreateQueue is idempotent for equal attributes) and returns their URLs. */
export async function ensureQueues(sqs: SQSClient, config: Pick<Config, 'queues' | 'worker' | 'maxReceiveCount'>): Promise<QueueUrls> {
  const urls = new Map<string, string>();
  for (const queue of queueDefinitions(config)) {
    const attributes = { ...queue.attributes };
    if (queue.deadLetterQueue) {
      const dlqUrl = urls.get(queue.deadLetterQueue);
      if (!dlqUrl) throw new Error(`dead-letter queue ${queue.deadLetterQueue} must be defined before ${queue.name}`);
      attributes.RedrivePolicy = redrivePolicy(await queueArn(sqs, dlqUrl), config.maxReceiveCount);
    }
    // Only the immutable FIFO flag goes into CreateQueue, so an existing queue with older
    // settings is found rather than refused; the rest is applied with SetQueueAttributes.
    const creationAttributes = queue.name.endsWith('.fifo') ? { FifoQueue: 'true' } : undefined;
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: creationAttributes }));
    if (!QueueUrl) throw new Error(`CreateQueue returned no URL for ${queue.name}`);
    // Attributes of an existing queue are not changed by CreateQueue; set them so a changed
    // maxReceiveCount or visibility timeout takes effect.
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: withoutFifoFlag(attributes) }));
    urls.set(queue.name, QueueUrl);
  }
  return pickUrls(urls, config);
}

/** Looks the queues up without creating anything (real AWS, where the template owns them). */
export async function lookUpQueues(sqs: SQSClient, config: Pick<Config, 'queues'>): Promise<QueueUrls> {
  const urls = new Map<string, string>();
  for (const name of Object.values(config.queues)) {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (QueueUrl) urls.set(name, QueueUrl);
  }
  return pickUrls(urls, config);
}

/** Creates the tables if they are missing and waits until they are ACTIVE. */
export async function ensureTables(ddb: DynamoDBDocumentClient, config: Pick<Config, 'tables'>): Promise<void> {
  for (const definition of tableDefinitions(config)) {
    try {
      await ddb.send(new CreateTableCommand(definition));
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
    }
    await waitUntilTableExists({ client: ddb, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: definition.TableName });
  }
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${queueUrl} has no QueueArn`);
  return arn;
}

function withoutFifoFlag(attributes: Record<string, string>): Record<string, string> {
  const { FifoQueue: _fifo, ...rest } = attributes;
  return rest;
}

function pickUrls(urls: Map<string, string>, config: Pick<Config, 'queues'>): QueueUrls {
  const get = (name: string) => {
    const url = urls.get(name);
    if (!url) throw new Error(`queue ${name} does not exist`);
    return url;
  };
  return { command: get(config.queues.command), reply: get(config.queues.reply), deadLetter: get(config.queues.deadLetter) };
}
