import { describe, expect, it } from 'vitest';
import { toYaml } from '../../deploy/yaml.js';

describe('the YAML writer of the template', () => {
  it('quotes every string YAML would read as another type or as syntax', () => {
    const tricky = [
      '2010-09-09',
      '30',
      'true',
      'No',
      'on',
      'null',
      '~',
      '',
      ' padded',
      'a: b',
      'x #y',
      'ends:',
      '*alias',
      '/tmp',
      '${ResourcePrefix}Users',
      '-1',
      'multi\nline',
    ];
    const yaml = toYaml(Object.fromEntries(tricky.map((value, index) => [`k${index}`, value])));
    for (const value of tricky) expect(yaml).toContain(`: ${JSON.stringify(value)}\n`);
  });

  it('writes plain words, CloudFormation keys and ARNs unquoted', () => {
    expect(toYaml({ 'Fn::GetAtt': ['CommandQueue', 'Arn'], Action: 'sqs:SendMessage', Type: 'AWS::SQS::Queue' })).toBe(
      'Fn::GetAtt:\n  - CommandQueue\n  - Arn\nAction: sqs:SendMessage\nType: AWS::SQS::Queue\n',
    );
  });

  it('nests mappings in sequences and sequences in sequences', () => {
    expect(toYaml({ List: [{ Name: 'a', Value: 1 }, [{ Ref: 'X' }], true, {}, []] })).toBe(
      'List:\n  - Name: a\n    Value: 1\n  - - Ref: X\n  - true\n  - {}\n  - []\n',
    );
  });
});
