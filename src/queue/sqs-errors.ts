/** SQS's "no such queue", under its JSON-protocol name and its older query-protocol code. */
export function isMissingQueueError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue';
}
