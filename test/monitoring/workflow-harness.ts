/**
 * Runs the synthesized retraining workflow with aws-local-stepfunctions,
 * answering its tasks from a simulated DynamoDB, Step Functions, SageMaker and SNS.
 */
import { Stack } from 'aws-cdk-lib';

import { ACCOUNT, AwsError, REGION, StateMachine, answerTask, describeExecutionAnswer, render, stateMachineDefinitions, verifyMockedAnswers } from '../harness/stepfunctions';

export { ACCOUNT, REGION, StateMachine, render };

// Every answer the fake account gives is checked against botocore after each test file.
verifyMockedAnswers();

/** The definition of the state machine whose logical id contains `match`. */
export function definition(stack: Stack, match: string): any {
  const all = stateMachineDefinitions(stack);
  const id = Object.keys(all).find((k) => k.includes(match));
  if (!id) {
    throw new Error(`no state machine matching ${match}: ${Object.keys(all).join(', ')}`);
  }
  return all[id];
}

export { AwsError };

/** A simulated account: the lock table, executions, SageMaker pipelines, SNS. */
export class FakeAccount {
  /** Lock items by pk. */
  public readonly items = new Map<string, Record<string, any>>();
  /** Status of executions by ARN (others do not exist). */
  public readonly executions = new Map<string, string>();
  public readonly pipelineStarts: any[] = [];
  public readonly notifications: any[] = [];
  public readonly calls: string[] = [];
  public failPipelineStart = false;

  public handle(resource: string, input: any): any {
    const action = resource.replace(/^arn:aws:states:::/, '');
    this.calls.push(action);
    switch (action) {
      case 'dynamodb:putItem': {
        const pk = input.Item.pk.S;
        const existing = this.items.get(pk);
        if (!this.condition(input.ConditionExpression, existing, input.ExpressionAttributeValues)) {
          throw new AwsError('DynamoDB.ConditionalCheckFailedException', 'The conditional request failed');
        }
        this.items.set(pk, JSON.parse(JSON.stringify(input.Item)));
        return {};
      }
      case 'dynamodb:getItem': {
        const item = this.items.get(input.Key.pk.S);
        return item ? { Item: item } : {};
      }
      case 'dynamodb:deleteItem': {
        const pk = input.Key.pk.S;
        if (!this.condition(input.ConditionExpression, this.items.get(pk), input.ExpressionAttributeValues)) {
          throw new AwsError('DynamoDB.ConditionalCheckFailedException', 'The conditional request failed');
        }
        this.items.delete(pk);
        return {};
      }
      case 'aws-sdk:sfn:describeExecution':
        return describeExecutionAnswer(this.executions, input.ExecutionArn);
      case 'aws-sdk:sagemaker:startPipelineExecution':
        if (this.failPipelineStart) {
          throw new AwsError('SageMaker.ResourceNotFoundException', 'Pipeline not found');
        }
        this.pipelineStarts.push(JSON.parse(JSON.stringify(input)));
        return { PipelineExecutionArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:pipeline/${input.PipelineName}/execution/e${this.pipelineStarts.length}` };
      case 'sns:publish':
        this.notifications.push({ subject: input.Subject, message: input.Message });
        return { MessageId: 'm' };
      default:
        throw new Error(`unexpected task ${action}`);
    }
  }

  private condition(expression: string | undefined, item: Record<string, any> | undefined, values: any): boolean {
    switch (expression) {
      case undefined: return true;
      case 'attribute_not_exists(pk)': return item === undefined;
      case 'holder = :old': return item !== undefined && item.holder.S === values[':old'].S;
      case 'holder = :me': return item !== undefined && item.holder.S === values[':me'].S;
      default: throw new Error(`unsupported condition ${expression}`);
    }
  }
}

/** Every state of a definition, Map processors included, by name. */
export function allStates(def: any): Record<string, any> {
  const out: Record<string, any> = {};
  const visit = (d: any) => {
    for (const [name, state] of Object.entries<any>(d.States)) {
      out[name] = state;
      if (state.ItemProcessor) {
        visit(state.ItemProcessor);
      }
    }
  };
  visit(def);
  return out;
}

/** Execute a JSONPath definition; `onWait` runs when a Wait state is entered. */
export async function execute(def: any, input: any, account: FakeAccount, executionName: string, onTask?: (state: string) => void): Promise<any> {
  const states = allStates(def);
  const handlers: Record<string, (i: any) => any> = {};
  const waits: Record<string, number> = {};
  const retries: Record<string, number> = {};
  for (const [name, state] of Object.entries<any>(states)) {
    if (state.Type === 'Task') {
      handlers[name] = (i: any) => {
        onTask?.(name);
        return answerTask(state.Resource, () => account.handle(state.Resource, i), i);
      };
      retries[name] = 0;
    }
    if (state.Type === 'Wait') {
      waits[name] = 0;
    }
  }
  const executionArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:retrain:${executionName}`;
  account.executions.set(executionArn, 'RUNNING');
  const machine = new StateMachine(def, { validationOptions: { checkArn: false } });
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits, retryIntervalOverrides: retries },
    context: {
      Execution: {
        Id: executionArn,
        Name: executionName,
        Input: input,
        StartTime: '2026-11-27T00:00:00Z',
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/x`,
      },
    } as any,
  });
  try {
    return await execution.result;
  } finally {
    account.executions.set(executionArn, 'SUCCEEDED');
  }
}

/** The event CloudWatch sends when an alarm enters ALARM. */
export function alarmEvent(alarmName: string, alarmArn: string): any {
  return {
    'version': '0',
    'id': 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    'source': 'aws.cloudwatch',
    'account': ACCOUNT,
    'time': '2026-11-27T10:12:00Z',
    'region': REGION,
    'resources': [alarmArn],
    'detail': {
      alarmName,
      state: { value: 'ALARM', reason: 'Threshold Crossed: 1 datapoint [1.7] was greater than or equal to the threshold (1.0).', timestamp: '2026-11-27T10:12:00.000+0000' },
      previousState: { value: 'OK', reason: '', timestamp: '2026-11-27T09:12:00.000+0000' },
      configuration: {
        metrics: [{ id: 'm1', metricStat: { metric: { namespace: 'CdkMlops/Drift', name: 'DriftScore', dimensions: { EndpointName: 'churn-prod' } }, period: 3600, stat: 'Maximum' }, returnData: true }],
      },
    },
  };
}
