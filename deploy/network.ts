import { getAtt, ref, sub, type Cfn, type Resource } from './cfn.js';

/**
 * The worker's network: a security group that nothing can connect into
 * (the worker only calls out), and VPC endpoints so that SQS and DynamoDB
 * traffic stays inside the VPC (no NAT gateway or public IP needed for them).
 */
export const ENDPOINTS_CONDITION = 'CreatesVpcEndpoints';

export function networkParameters(): Record<string, Cfn> {
  return {
    VpcId: { Type: 'AWS::EC2::VPC::Id', Description: 'VPC of the worker subnets' },
    RouteTableIds: {
      Type: 'CommaDelimitedList',
      Description: 'Route tables of the worker subnets (the DynamoDB gateway endpoint is added to them)',
    },
    CreateVpcEndpoints: {
      Type: 'String',
      AllowedValues: ['true', 'false'],
      Default: 'true',
      Description:
        'false when the VPC already has SQS (private DNS) and DynamoDB endpoints: a second SQS endpoint with private DNS cannot be created',
    },
  };
}

export function networkConditions(): Record<string, unknown> {
  return { [ENDPOINTS_CONDITION]: { 'Fn::Equals': [ref('CreateVpcEndpoints'), 'true'] } };
}

export function networkResources(): Record<string, Resource> {
  const https = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443 };
  return {
    WorkerSecurityGroup: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: 'Wallet worker tasks: no inbound rules (nothing connects in), HTTPS out only',
        VpcId: ref('VpcId'),
        // Replaces the default allow-all egress: SQS, DynamoDB, ECR and CloudWatch Logs all speak HTTPS.
        SecurityGroupEgress: [{ ...https, CidrIp: '0.0.0.0/0', Description: 'HTTPS to AWS APIs (VPC endpoints or NAT)' }],
      },
    },
    VpcEndpointSecurityGroup: {
      Type: 'AWS::EC2::SecurityGroup',
      Condition: ENDPOINTS_CONDITION,
      Properties: {
        GroupDescription: 'SQS interface endpoint of the wallet worker: HTTPS from the worker tasks only',
        VpcId: ref('VpcId'),
        SecurityGroupIngress: [
          { ...https, SourceSecurityGroupId: getAtt('WorkerSecurityGroup', 'GroupId'), Description: 'HTTPS from the worker tasks' },
        ],
        SecurityGroupEgress: [{ ...https, CidrIp: '127.0.0.1/32', Description: 'nothing: an endpoint only answers' }],
      },
    },
    SqsVpcEndpoint: {
      Type: 'AWS::EC2::VPCEndpoint',
      Condition: ENDPOINTS_CONDITION,
      Properties: {
        VpcEndpointType: 'Interface',
        ServiceName: sub('com.amazonaws.${AWS::Region}.sqs'),
        VpcId: ref('VpcId'),
        SubnetIds: ref('Subnets'),
        SecurityGroupIds: [getAtt('VpcEndpointSecurityGroup', 'GroupId')],
        PrivateDnsEnabled: true,
      },
    },
    DynamoDbVpcEndpoint: {
      Type: 'AWS::EC2::VPCEndpoint',
      Condition: ENDPOINTS_CONDITION,
      Properties: {
        VpcEndpointType: 'Gateway',
        ServiceName: sub('com.amazonaws.${AWS::Region}.dynamodb'),
        VpcId: ref('VpcId'),
        RouteTableIds: ref('RouteTableIds'),
      },
    },
  };
}
