import { z } from 'zod';
import { EnvSchema } from '../src/config.js';
import { parseCommandLine } from './support/args.js';

/** `npm run config-table`: the README's table of environment variables, from the config schema itself. */
parseCommandLine({ usage: 'npm run config-table', description: "Prints the README's table of environment variables, from the configuration schema (src/config.ts)." });
const jsonSchema = z.toJSONSchema(EnvSchema, { io: 'input', unrepresentable: 'any' }) as {
  properties: Record<string, { description?: string; default?: unknown; enum?: unknown[] }>;
};
const rows = Object.entries(jsonSchema.properties).map(([name, property]) => {
  const fallback = property.default === undefined ? '' : `\`${String(property.default)}\``;
  return `| \`${name}\` | ${fallback} | ${property.description ?? ''} |`;
});
process.stdout.write(['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n') + '\n');
