import { SQSServiceException, type SQSClient } from '@aws-sdk/client-sqs';

/** SQS's rule for MessageGroupId and MessageDeduplicationId: ASCII alphanumerics and punctuation, 1–128 characters. */
const SQS_FIFO_ID = /^[\x21-\x7e]{1,128}$/;

interface SendInput {
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
  Entries?: SendInput[];
}

/**
 * fauxqs takes any group and deduplication id; real SQS (and LocalStack)
 * refuse one with a space or a non-ASCII character. This adds SQS's check to
 * a client (every send through it, the worker's included), so the tests see
 * what production would. Refused as a whole request, as SendMessage is.
 */
export function enforceSqsFifoIdRules(sqs: SQSClient): void {
  sqs.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as SendInput;
      for (const entry of [input, ...(input.Entries ?? [])]) {
        for (const [name, value] of [
          ['MessageGroupId', entry.MessageGroupId],
          ['MessageDeduplicationId', entry.MessageDeduplicationId],
        ] as const) {
          if (value !== undefined && !SQS_FIFO_ID.test(value)) {
            throw new SQSServiceException({
              name: 'InvalidParameterValue',
              $fault: 'client',
              $metadata: {},
              message: `Value ${value} for parameter ${name} is invalid. Reason: ${name} can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
            });
          }
        }
      }
      return next(args);
    },
    { step: 'initialize', name: 'sqsFifoIdRules' },
  );
}
