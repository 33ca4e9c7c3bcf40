import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine } from './support/args.js';
import { CONFIGURATION_DOC, configurationDoc } from './support/config-doc.js';

/** `npm run config-table`: writes docs/configuration.md from the config schema itself. */
parseCommandLine({
  usage: 'npm run config-table',
  description: `Writes ${CONFIGURATION_DOC} (every environment variable, its default and meaning) from the configuration schema (src/config.ts).`,
});
writeFileSync(join(import.meta.dirname, '..', CONFIGURATION_DOC), configurationDoc());
process.stdout.write(`wrote ${CONFIGURATION_DOC}\n`);
