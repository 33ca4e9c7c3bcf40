// A producer written the ordinary way: region, credentials and endpoint come from the environment
// (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_SQS), nothing else.
// Run: node --import tsx scripts/examples/producer.ts <userId>
import { randomUUID } from 'node:crypto';
import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

const sqs = new SQSClient({});
const command = { idempotentKey: `demo-${randomUUID()}`, userId: process.argv[2] ?? '<userId>', amount: '10.00', type: 'credit' };

const { QueueUrl: commandQueue } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'wallet-commands' }));
const { QueueUrl: replyQueue } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'wallet-replies' }));
await sqs.send(new SendMessageCommand({ QueueUrl: commandQueue, MessageBody: JSON.stringify(command) }));

// The reply queue is shared: take the reply to our key, leave the others to their consumers.
for (let attempt = 0; attempt < 10; attempt++) {
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: replyQueue, WaitTimeSeconds: 2, MaxNumberOfMessages: 10 }));
  const ours = Messages.find((message) => (JSON.parse(message.Body ?? '{}') as { idempotentKey?: string }).idempotentKey === command.idempotentKey);
  if (ours) {
    await sqs.send(new DeleteMessageCommand({ QueueUrl: replyQueue, ReceiptHandle: ours.ReceiptHandle }));
    console.log(ours.Body);
    process.exit(0);
  }
}
console.error('no reply within 20 s: is `npm start` running?');
process.exit(1);
