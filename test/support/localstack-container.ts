import type { StartedLocalStackContainer } from '@testcontainers/localstack';
import { LOCALSTACK_IMAGE } from './localstack-image.js';

export interface ContainerStack {
  endpoints: { sqs: string; dynamodb: string };
  stop(): Promise<void>;
}

/** LocalStack in a container (testcontainers); loaded only when chosen, so the embedded mode never imports Docker code. */
export async function startLocalStackContainer(): Promise<ContainerStack> {
  const { LocalstackContainer } = await import('@testcontainers/localstack');
  const container: StartedLocalStackContainer = await new LocalstackContainer(LOCALSTACK_IMAGE)
    .withEnvironment({
      SERVICES: 'sqs,dynamodb',
      ...(process.env.LOCALSTACK_AUTH_TOKEN && { LOCALSTACK_AUTH_TOKEN: process.env.LOCALSTACK_AUTH_TOKEN }),
    })
    .start();
  const uri = container.getConnectionUri();
  return {
    endpoints: { sqs: uri, dynamodb: uri },
    async stop() {
      await container.stop();
    },
  };
}
