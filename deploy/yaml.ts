/**
 * A small YAML writer for the CloudFormation template: block style only,
 * keys in insertion order, and any string that YAML could read as something
 * else (a number, a boolean, a comment, a mapping) written as a JSON string,
 * which is valid YAML. Enough for plain data; no anchors, tags or flow style,
 * so the output is stable and a reviewer can diff it line by line.
 */
export function toYaml(value: unknown): string {
  return `${block(value, 0).join('\n')}\n`;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Words YAML 1.1 parsers (PyYAML, which cfn-lint uses) read as booleans or null. */
const RESERVED = /^(y|n|yes|no|on|off|true|false|null|~)$/i;
/** A plain scalar: starts with a letter, holds no space, `#`, quote or flow character, does not end with a colon. */
const PLAIN = /^[A-Za-z][A-Za-z0-9_./:@-]*$/;

function scalar(value: Json): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean' || typeof value === 'number') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`cannot write ${value} to YAML`);
    return String(value);
  }
  if (typeof value === 'string') return PLAIN.test(value) && !value.endsWith(':') && !RESERVED.test(value) ? value : JSON.stringify(value);
  throw new Error('not a scalar');
}

function key(name: string): string {
  return scalar(name);
}

function isCollection(value: Json): value is Json[] | { [key: string]: Json } {
  return typeof value === 'object' && value !== null && (Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0);
}

function emptyCollection(value: Json): string | undefined {
  if (Array.isArray(value) && value.length === 0) return '[]';
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0) return '{}';
  return undefined;
}

/** The lines of `value` at `indent` spaces. */
function block(input: unknown, indent: number): string[] {
  const value = input as Json;
  const pad = ' '.repeat(indent);
  const inline = (item: Json) => emptyCollection(item) ?? scalar(item);
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${pad}[]`];
    return value.flatMap((item) => {
      if (!isCollection(item)) return [`${pad}- ${inline(item)}`];
      // The first line of a nested collection goes on the dash's line.
      const [first = '', ...rest] = block(item, indent + 2);
      return [`${pad}- ${first.slice(indent + 2)}`, ...rest];
    });
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    if (entries.length === 0) return [`${pad}{}`];
    return entries.flatMap(([name, item]) =>
      isCollection(item) ? [`${pad}${key(name)}:`, ...block(item, indent + 2)] : [`${pad}${key(name)}: ${inline(item)}`],
    );
  }
  return [`${pad}${scalar(value)}`];
}
