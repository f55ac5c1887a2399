/**
 * How the tooling workflow finds the network of a target account: the
 * `DeploymentTargetAccount` publishes the VPC config of its network (subnets
 * and security group) in an SSM parameter whose name both sides derive from
 * the cross-account prefix; the workflow reads it with the target's deployer
 * role before it creates the stage's model. Ids of resources in another
 * account cannot be referenced at synth (cross-environment), so they travel
 * at run time.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/** The name of the parameter holding a target account's VPC config. */
export function targetNetworkParameterName(namePrefix: string): string {
  return `/${namePrefix}/deployment-network`;
}

/** Where the workflow keeps the target's VPC config during a stage. */
export const TARGET_NETWORK_PATH = '$.Stage.Network';

/**
 * SSM throttling is unmodeled (base exception `Ssm.SsmException`); internal
 * errors are modeled (`InternalServerError`).
 */
const RETRY_SSM: sfn.RetryProps = {
  errors: ['Ssm.SsmException', 'Ssm.InternalServerErrorException'],
  interval: Duration.seconds(2),
  maxAttempts: 5,
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

/** The task that reads a target account's VPC config into `$.Stage.Network.VpcConfig`. */
export function findTargetNetwork(scope: Construct, stateName: string, account: string, namePrefix: string,
  taskRole: sfn.TaskRole): tasks.CallAwsService {
  const name = targetNetworkParameterName(namePrefix);
  const task = new tasks.CallAwsService(scope, 'FindNetwork', {
    stateName,
    service: 'ssm',
    action: 'getParameter',
    iamAction: 'ssm:GetParameter',
    iamResources: [`arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${account}:parameter${name}`],
    credentials: { role: taskRole },
    parameters: { Name: name },
    resultSelector: { 'VpcConfig.$': 'States.StringToJson($.Parameter.Value)' },
    resultPath: TARGET_NETWORK_PATH,
  });
  task.addRetry(RETRY_SSM);
  return task;
}
