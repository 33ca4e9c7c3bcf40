// A producer written the ordinary way: region, credentials and endpoint come from the environment
// (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_SQS), nothing else.
// Run: node --import tsx scripts/examples/producer.ts <userId>
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

const sqs = new SQSClient({});
const command = { idempotentKey: `demo-${randomUUID()}`, userId: process.argv[2] ?? '<userId>', amount: '10.00', type: 'credit' };
const correlationId = randomUUID();

const { QueueUrl: commandQueue } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'wallet-commands' }));
// The reply comes to a queue of our own: its name must start with the reply queue's name.
const { QueueUrl: replyTo } = await sqs.send(new CreateQueueCommand({ QueueName: `wallet-replies-example-${correlationId.slice(0, 8)}` }));
await sqs.send(
  new SendMessageCommand({
    QueueUrl: commandQueue,
    MessageBody: JSON.stringify(command),
    MessageAttributes: {
      ReplyTo: { DataType: 'String', StringValue: replyTo },
      CorrelationId: { DataType: 'String', StringValue: correlationId },
    },
  }),
);

try {
  for (let attempt = 0; attempt < 10; attempt++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: replyTo, WaitTimeSeconds: 2, MessageAttributeNames: ['CorrelationId'] }),
    );
    const ours = Messages.find((message) => message.MessageAttributes?.CorrelationId?.StringValue === correlationId);
    if (ours) {
      console.log(ours.Body);
      process.exitCode = 0;
      break;
    }
    process.exitCode = 1;
  }
  if (process.exitCode === 1) console.error('no reply within 20 s: is `npm start` running?');
} finally {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: replyTo }));
}
