/**
 * The one pinned LocalStack image, for testcontainers and (checked by a test)
 * docker-compose.yml. A pinned 4.x tag runs SQS and DynamoDB without an auth
 * token; LOCALSTACK_AUTH_TOKEN is passed through for images that need one.
 */
export const LOCALSTACK_IMAGE = 'localstack/localstack:4.4.0';
