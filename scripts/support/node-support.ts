/** The Node.js majors this project is built and tested for (package.json `engines`, CI). */
export const SUPPORTED_NODE_MAJORS = [20, 24] as const;
export const SUPPORTED_NODE = 'Node.js 20 and 24 (LTS)';

/**
 * The AWS SDK prints a 9-line NodeVersionSupportWarning on Node 20 from its
 * first client. Our scripts say it in one line instead: nothing when the
 * running Node is supported, one line on stderr when it is not. Must run
 * before the first AWS client is built (the SDK reads the variable then).
 */
export function quietNodeVersionWarning(): void {
  // Unset or empty: quiet. An explicit 'false' (someone who wants the SDK's own warning) is kept.
  if (!process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (!isSupportedNode()) process.stderr.write(`note: ${nodeSupportLine()}\n`);
}

export function isSupportedNode(version = process.versions.node): boolean {
  const major = Number(version.split('.')[0]);
  return (SUPPORTED_NODE_MAJORS as readonly number[]).includes(major);
}

/** One line: the Node.js in use and the supported ones. */
export function nodeSupportLine(version = process.version): string {
  return `running Node.js ${version}; supported: ${SUPPORTED_NODE}`;
}
