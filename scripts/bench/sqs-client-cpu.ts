import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { createReplySqsClient } from '../../src/clients.js';
import { loadConfig } from '../../src/config.js';

/**
 * CPU of this process per message through the three hot SQS calls
 * (SendMessageBatch, ReceiveMessage, DeleteMessageBatch, 10 messages each),
 * against the SQS endpoint in AWS_ENDPOINT_URL_SQS (an emulator in another
 * process, so its CPU is not counted). Run it once with WALLET_SQS_CLIENT=sdk
 * and once with lean: `npx tsx scripts/bench/sqs-client-cpu.ts [rounds]`.
 */
const rounds = Number(process.argv[2] ?? 200);
const config = loadConfig({ ...process.env, AWS_ENDPOINT_URL_DYNAMODB: process.env.AWS_ENDPOINT_URL_SQS });
const sqs = createReplySqsClient(config);
const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `cpu-${process.pid}` }));
const queueUrl = QueueUrl as string;
const entries = Array.from({ length: 10 }, (_, index) => ({
  Id: `${index}`,
  MessageBody: JSON.stringify({ index, pad: 'x'.repeat(200) }),
}));

async function round(): Promise<number> {
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
  );
  if (Messages.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({ Id: `${index}`, ReceiptHandle: message.ReceiptHandle })),
      }),
    );
  }
  return Messages.length;
}

for (let index = 0; index < 20; index++) await round(); // warm-up
const start = process.cpuUsage();
let messages = 0;
for (let index = 0; index < rounds; index++) messages += await round();
const used = process.cpuUsage(start);
const cpuUs = used.user + used.system;
console.log(
  JSON.stringify({
    client: config.sqsClient,
    rounds,
    messages,
    cpuUsPerMessage: Math.round(cpuUs / messages),
    cpuUsPerCall: Math.round(cpuUs / (rounds * 3)),
  }),
);
sqs.destroy();
