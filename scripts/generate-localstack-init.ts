import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LOCALSTACK_INIT_SCRIPT_PATH, renderLocalStackInitScript } from '../src/resources/localstack-init.js';

/** `npm run generate:localstack-init`: rewrite the LocalStack init script after changing src/resources/definitions.ts. */
await mkdir(dirname(LOCALSTACK_INIT_SCRIPT_PATH), { recursive: true });
await writeFile(LOCALSTACK_INIT_SCRIPT_PATH, renderLocalStackInitScript());
// LocalStack only runs init scripts it can execute.
await chmod(LOCALSTACK_INIT_SCRIPT_PATH, 0o755);
process.stdout.write(`wrote ${LOCALSTACK_INIT_SCRIPT_PATH}\n`);
