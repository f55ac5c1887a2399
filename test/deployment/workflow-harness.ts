/**
 * Runs the real synthesized state machine definitions with
 * aws-local-stepfunctions, answering every Task state from a simulated
 * SageMaker / SNS / Step Functions.
 */
import { Stack } from 'aws-cdk-lib';

import { ACCOUNT, REGION, StateMachine, answerTask, render, stateMachineDefinitions, verifyMockedAnswers } from '../harness/stepfunctions';

export { ACCOUNT, REGION, StateMachine, answerTask, render };

// Every answer the fake account gives is checked against botocore after each test file.
verifyMockedAnswers();

/** The definitions of every state machine of a stack, by logical id. */
export function definitions(stack: Stack): Record<string, any> {
  return stateMachineDefinitions(stack, { typed: true });
}

/** Every state of a definition, nested branches included, by name. */
export function allStates(definition: any): Record<string, any> {
  const out: Record<string, any> = {};
  const visit = (d: any) => {
    for (const [name, state] of Object.entries<any>(d.States)) {
      out[name] = state;
      for (const branch of state.Branches ?? []) {
        visit(branch);
      }
      if (state.ItemProcessor) {
        visit(state.ItemProcessor);
      }
    }
  };
  visit(definition);
  return out;
}

class AwsError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** A simulated account: SageMaker, SNS, Application Auto Scaling. */
export class FakeAccount {
  public readonly endpoints = new Map<string, { config: string; status: string; tags: Record<string, string> }>();
  public readonly models: string[] = [];
  /** The CreateModel requests, as sent. */
  public readonly modelRequests: any[] = [];
  /** The VPC config a target account publishes (DeploymentTargetAccount's network parameter). */
  public targetNetwork = { Subnets: ['subnet-0a1b2c3d4e5f60718', 'subnet-0a1b2c3d4e5f60719'], SecurityGroupIds: ['sg-0a1b2c3d4e5f60718'] };
  public readonly configs: any[] = [];
  public readonly notifications: any[] = [];
  public readonly calls: string[] = [];
  public readonly updates: any[] = [];
  /** Deleted resources, as `config:<name>` and `model:<name>`. */
  public readonly deleted: string[] = [];
  /** SageMaker rolls every update back (alarm fired) and reports InService. */
  public silentRollback = false;
  /** DeleteEndpointConfig fails. */
  public failDeletes = false;
  /** InvokeEndpoint fails. */
  public smokeTestFails = false;
  /** How a manual gate answers: approve or reject. */
  public gate: 'approve' | 'reject' = 'approve';
  /** Polls before an endpoint reaches its final state. */
  public pollsUntilDone = 1;
  private polls = 0;
  private clock = 0;

  public handle(resource: string, input: any): any {
    const action = resource.replace(/^arn:aws:states:::/, '');
    this.calls.push(action);
    switch (action) {
      case 'sns:publish':
        this.notifications.push(typeof input.Message === 'string' ? JSON.parse(input.Message) : input.Message);
        return { MessageId: 'm' };
      case 'sns:publish.waitForTaskToken':
        this.notifications.push(typeof input.Message === 'string' ? JSON.parse(input.Message) : input.Message);
        if (this.gate === 'reject') {
          throw new AwsError('Rejected', 'not this one');
        }
        return { approvedBy: 'reviewer' };
      case 'aws-sdk:ssm:getParameter':
        // what a DeploymentTargetAccount publishes: the VPC config of its network
        return {
          Parameter: {
            Name: input.Name,
            Type: 'String',
            Value: JSON.stringify(this.targetNetwork),
            Version: 1,
            ARN: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${input.Name}`,
            DataType: 'text',
          },
        };
      case 'aws-sdk:sagemaker:createModel':
        this.models.push(input.ModelName);
        this.modelRequests.push(JSON.parse(JSON.stringify(input)));
        return { ModelArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model/${input.ModelName}` };
      case 'aws-sdk:sagemaker:createEndpointConfig':
        this.configs.push({ ...JSON.parse(JSON.stringify(input)), CreationTime: this.now() });
        return { EndpointConfigArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint-config/${input.EndpointConfigName.toLowerCase()}` };
      case 'aws-sdk:sagemaker:describeEndpoint': {
        const e = this.endpoints.get(input.EndpointName);
        if (!e) {
          throw new AwsError('SageMaker.SageMakerException', `Could not find endpoint "${input.EndpointName}".`);
        }
        this.polls++;
        if (e.status !== 'InService' && this.polls >= this.pollsUntilDone) {
          e.status = 'InService';
        }
        return {
          EndpointName: input.EndpointName,
          EndpointArn: this.arn(input.EndpointName),
          EndpointConfigName: e.config,
          EndpointStatus: e.status,
          CreationTime: '2026-11-27T00:00:00Z',
          LastModifiedTime: this.now(),
        };
      }
      case 'aws-sdk:sagemaker:createEndpoint':
        if (this.endpoints.has(input.EndpointName)) {
          throw new AwsError('SageMaker.SageMakerException', 'Cannot create already existing endpoint');
        }
        this.endpoints.set(input.EndpointName, {
          config: input.EndpointConfigName,
          status: 'Creating',
          tags: Object.fromEntries(input.Tags.map((t: any) => [t.Key, t.Value])),
        });
        this.polls = 0;
        return { EndpointArn: this.arn(input.EndpointName) };
      case 'aws-sdk:sagemaker:updateEndpoint': {
        const e = this.endpoints.get(input.EndpointName)!;
        this.updates.push(input);
        this.polls = 0;
        e.status = 'Updating';
        if (!this.silentRollback) {
          e.config = input.EndpointConfigName;
        }
        return { EndpointArn: this.arn(input.EndpointName) };
      }
      case 'aws-sdk:sagemaker:addTags': {
        const name = input.ResourceArn.split('/').pop();
        for (const t of input.Tags) {
          this.endpoints.get(name)!.tags[t.Key] = t.Value;
        }
        return { Tags: input.Tags };
      }
      case 'aws-sdk:sagemaker:listEndpointConfigs':
        return {
          EndpointConfigs: this.configs
            .filter((c) => !this.deleted.includes(`config:${c.EndpointConfigName}`) && c.EndpointConfigName.includes(input.NameContains))
            .reverse()
            .map((c) => ({
              EndpointConfigName: c.EndpointConfigName,
              EndpointConfigArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint-config/${c.EndpointConfigName}`,
              CreationTime: c.CreationTime ?? '2026-11-27T00:00:00Z',
            })),
        };
      case 'aws-sdk:sagemaker:deleteEndpointConfig':
        if (this.failDeletes) {
          throw new AwsError('SageMaker.SageMakerException', 'Cannot delete: throttled');
        }
        this.deleted.push(`config:${input.EndpointConfigName}`);
        return {};
      case 'aws-sdk:sagemaker:deleteModel':
        this.deleted.push(`model:${input.ModelName}`);
        return {};
      case 'aws-sdk:sagemaker:listTags': {
        if (input.ResourceArn.includes(':endpoint-config/')) {
          const config = this.configs.find((c) => input.ResourceArn.endsWith(`/${c.EndpointConfigName}`));
          return { Tags: config.Tags ?? [] };
        }
        const name = input.ResourceArn.split('/').pop();
        return { Tags: Object.entries(this.endpoints.get(name)!.tags).map(([Key, Value]) => ({ Key, Value })) };
      }
      case 'aws-sdk:sagemakerruntime:invokeEndpoint':
        if (this.smokeTestFails) {
          throw new AwsError('SageMakerRuntime.ModelErrorException', 'Received server error (500) from primary');
        }
        return { ContentType: 'application/json', Body: '{"score":0.4}' };
      case 'aws-sdk:applicationautoscaling:registerScalableTarget':
        return { ScalableTargetARN: `arn:aws:application-autoscaling:${REGION}:${ACCOUNT}:scalable-target/056f1c0b3e5e4e2a9c3b2f7d1e0a9b8c` };
      case 'aws-sdk:applicationautoscaling:putScalingPolicy':
        return {
          PolicyARN: `arn:aws:autoscaling:${REGION}:${ACCOUNT}:scalingPolicy:056f1c0b-3e5e-4e2a-9c3b-2f7d1e0a9b8c:resource/SageMaker/${input.ResourceId}:policyName/${input.PolicyName}`,
          Alarms: [],
        };
      default:
        throw new Error(`unexpected task resource ${resource}`);
    }
  }

  /** Put an endpoint in place as if deployed earlier. */
  public existing(name: string, config: string, tags: Record<string, string> = {}): void {
    this.endpoints.set(name, { config, status: 'InService', tags });
  }

  /** A later time on every call (SageMaker timestamps), ISO-8601. */
  private now(): string {
    this.clock++;
    return new Date(Date.UTC(2026, 10, 27, 1, 0, this.clock)).toISOString();
  }

  private arn(name: string): string {
    return `arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint/${name}`;
  }
}

/** Execute a definition against a fake account. */
export async function execute(definition: any, input: any, account: FakeAccount, executionName = 'churn-v3'): Promise<any> {
  const states = allStates(definition);
  const handlers: Record<string, (i: any) => any> = {};
  const waits: Record<string, number> = {};
  const retries: Record<string, number> = {};
  for (const [name, state] of Object.entries<any>(states)) {
    if (state.Type === 'Task') {
      handlers[name] = (i: any) => answerTask(state.Resource, () => account.handle(state.Resource, i), i);
      retries[name] = 0;
    }
    if (state.Type === 'Wait') {
      waits[name] = 0;
    }
  }
  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits, retryIntervalOverrides: retries },
    context: {
      Execution: {
        Id: `arn:aws:states:${REGION}:${ACCOUNT}:execution:deploy:${executionName}`,
        Name: executionName,
        Input: input,
        StartTime: '2026-11-27T00:00:00Z',
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/x`,
      },
      Task: { Token: 'task-token-1' },
    } as any,
  });
  return execution.result;
}
