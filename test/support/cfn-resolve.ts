/**
 * Evaluates the few intrinsic functions the template uses for one choice of
 * parameters, so tests can compare a deployed resource with definitions.ts.
 * Refs and GetAtts of resources are left as they are (they name resources).
 */
export interface CfnChoice {
  isFifo: boolean;
  resourcePrefix: string;
  hasAlarmTopic?: boolean;
  hasKmsKey?: boolean;
  createsVpcEndpoints?: boolean;
}

const REMOVED = Symbol('AWS::NoValue');

export function resolveCfn(value: unknown, choice: CfnChoice): unknown {
  const resolved = resolve(value, choice);
  return resolved === REMOVED ? undefined : resolved;
}

function resolve(value: unknown, choice: CfnChoice): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(item, choice)).filter((item) => item !== REMOVED);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if (record.Ref === 'AWS::NoValue') return REMOVED;
  if ('Fn::If' in record) {
    const [condition, whenTrue, whenFalse] = record['Fn::If'] as [string, unknown, unknown];
    const conditions: Record<string, boolean> = {
      IsFifo: choice.isFifo,
      HasAlarmTopic: choice.hasAlarmTopic ?? false,
      HasKmsKey: choice.hasKmsKey ?? false,
      CreatesVpcEndpoints: choice.createsVpcEndpoints ?? true,
    };
    if (!(condition in conditions)) throw new Error(`unknown condition ${condition}`);
    return resolve(conditions[condition] ? whenTrue : whenFalse, choice);
  }
  if ('Fn::Sub' in record && typeof record['Fn::Sub'] === 'string') {
    const text = record['Fn::Sub'].replaceAll('${ResourcePrefix}', choice.resourcePrefix);
    return text.includes('${') ? { 'Fn::Sub': text } : text;
  }
  const entries = Object.entries(record)
    .map(([key, item]) => [key, resolve(item, choice)] as const)
    .filter(([, item]) => item !== REMOVED);
  return Object.fromEntries(entries);
}
