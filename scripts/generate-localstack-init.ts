import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LOCALSTACK_INIT_SCRIPT_PATH, renderLocalStackInitScript } from '../src/resources/localstack-init.js';
import { parseCommandLine } from './support/args.js';

/** `npm run generate:localstack-init`: rewrite the LocalStack init script after changing src/resources/definitions.ts. */
parseCommandLine({
  usage: 'npm run generate:localstack-init',
  description: 'Rewrites localstack/init/ready.d/ from src/resources/definitions.ts (run it after changing the queues or tables).',
});
await mkdir(dirname(LOCALSTACK_INIT_SCRIPT_PATH), { recursive: true });
await writeFile(LOCALSTACK_INIT_SCRIPT_PATH, renderLocalStackInitScript());
// LocalStack only runs init scripts it can execute.
await chmod(LOCALSTACK_INIT_SCRIPT_PATH, 0o755);
process.stdout.write(`wrote ${LOCALSTACK_INIT_SCRIPT_PATH}\n`);
