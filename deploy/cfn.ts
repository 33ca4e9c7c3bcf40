import { loadConfig, type Config } from '../src/config.js';

/**
 * Building blocks of the CloudFormation template: its types, the intrinsic
 * functions it uses, and the service configuration it is generated for.
 */
export type Cfn = Record<string, unknown>;
export type Resource = { Type: string; Properties: Cfn; DeletionPolicy?: string; UpdateReplacePolicy?: string; Condition?: string };
export type Template = {
  AWSTemplateFormatVersion: string;
  Description: string;
  Parameters: Record<string, Cfn>;
  Mappings: Record<string, Cfn>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, Cfn>;
};

/** Names, visibility timeout and maxReceiveCount: the service's own defaults, from the config schema. */
export const TEMPLATE_CONFIG: Config = loadConfig({});
export const FIFO_CONFIG: Config = { ...TEMPLATE_CONFIG, queues: mapValues(TEMPLATE_CONFIG.queues, (name) => `${name}.fifo`) };

export const ref = (name: string) => ({ Ref: name });
export const getAtt = (id: string, attribute: string) => ({ 'Fn::GetAtt': [id, attribute] });
export const sub = (text: string) => ({ 'Fn::Sub': text });
export const NO_VALUE = ref('AWS::NoValue');

function mapValues<T extends Record<string, string>>(record: T, map: (value: string) => string): T {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)])) as T;
}
