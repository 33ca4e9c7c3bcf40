/** SQS's "no such queue", under its JSON-protocol name and its older query-protocol code. */
export function isMissingQueueError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue';
}

/**
 * SQS refused this caller on this queue: its policy denies the send (403
 * AccessDenied, under the JSON and the query protocol's names), or its KMS
 * key does not let the caller encrypt. Trying the same queue again cannot
 * succeed.
 */
export function isAccessDeniedError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'KmsAccessDenied' || name === 'KMS.AccessDeniedException';
}
