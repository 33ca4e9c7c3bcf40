import { NO_VALUE, ref, type Cfn, type Resource } from './cfn.js';

/**
 * An optional customer-managed KMS key for the tables, the queues and the
 * log group (KmsKeyArn). Empty: AWS-owned keys (DynamoDB's default, SQS-managed
 * SSE, CloudWatch Logs' own encryption). The key policy must let DynamoDB,
 * SQS and logs.<region>.amazonaws.com use it (docs/security.md).
 */
export const KMS_CONDITION = 'HasKmsKey';

export function encryptionParameters(): Record<string, Cfn> {
  return {
    KmsKeyArn: {
      Type: 'String',
      Default: '',
      AllowedPattern: '^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+)?$',
      Description: 'Customer-managed KMS key (ARN) for the tables, queues and worker logs; empty: AWS-owned keys',
    },
  };
}

export function encryptionConditions(): Record<string, unknown> {
  return { [KMS_CONDITION]: { 'Fn::Not': [{ 'Fn::Equals': [ref('KmsKeyArn'), ''] }] } };
}

const withKey = (whenKey: unknown, otherwise: unknown = NO_VALUE) => ({ 'Fn::If': [KMS_CONDITION, whenKey, otherwise] });

/** Added to every queue: the key when given, else SQS-managed server-side encryption. */
export function queueEncryption(): Cfn {
  return { KmsMasterKeyId: withKey(ref('KmsKeyArn')), SqsManagedSseEnabled: withKey(NO_VALUE, true) };
}

/** Added to every table: KMS with the given key; without one, DynamoDB's default encryption at rest. */
export function tableEncryption(): Cfn {
  return { SSESpecification: withKey({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: ref('KmsKeyArn') }) };
}

/** Added to the worker's log group. */
export function logEncryption(): Cfn {
  return { KmsKeyId: withKey(ref('KmsKeyArn')) };
}

/**
 * With a customer-managed key on the queues, receiving needs kms:Decrypt and
 * sending kms:GenerateDataKey too (DynamoDB uses the key through its own grant:
 * the worker needs nothing for the tables). A separate policy so the task
 * role's derived policy (deploy/worker-permissions.ts) stays exactly the calls.
 */
export function encryptionResources(): Record<string, Resource> {
  return {
    WorkerKmsPolicy: {
      Type: 'AWS::IAM::Policy',
      Condition: KMS_CONDITION,
      Properties: {
        PolicyName: 'wallet-worker-kms',
        Roles: [ref('WorkerTaskRole')],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'QueueEncryptionKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: ref('KmsKeyArn') },
          ],
        },
      },
    },
  };
}
