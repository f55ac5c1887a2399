import { answerTask, checkMockedAnswers } from '../../harness/stepfunctions';

const SM = 'arn:aws:states:::aws-sdk:sagemaker:';

describe('mocked service answers are checked against botocore', () => {
  test('answers AWS could give pass', () => {
    // GIVEN answers shaped like DescribeEndpoint's output and an error SageMaker can raise
    const answers = [
      {
        resource: `${SM}describeEndpoint`,
        output: {
          EndpointName: 'churn',
          EndpointArn: 'arn:aws:sagemaker:us-east-1:111111111111:endpoint/churn',
          EndpointStatus: 'InService',
          CreationTime: '2026-11-27T00:00:00Z',
          LastModifiedTime: '2026-11-27T00:00:00Z',
        },
      },
      { resource: `${SM}describeEndpoint`, error: 'SageMaker.SageMakerException' },
    ];
    // WHEN / THEN
    expect(checkMockedAnswers(answers)).toEqual([]);
  });

  test('fails when a mocked answer has an unknown member, a bad enum, a missing member or an error the task cannot raise', () => {
    // GIVEN
    const answers = [
      { resource: `${SM}describeEndpoint`, output: { EndpointName: 'churn', EndpointStatus: 'Running', Healthy: true } },
      { resource: 'arn:aws:states:::aws-sdk:sfn:describeExecution', error: 'Sfn.ExecutionDoesNotExist' },
      { resource: 'arn:aws:states:::aws-sdk:applicationautoscaling:putScalingPolicy', error: 'SageMaker.ThrottlingException' },
    ];
    // WHEN
    const found = checkMockedAnswers(answers).map((f) => `${f.where}: ${f.what}`);
    // THEN
    expect(found).toEqual(expect.arrayContaining([
      expect.stringContaining("describeEndpoint:EndpointStatus: 'Running' is not one of EndpointStatus"),
      expect.stringContaining('Healthy is not a member of DescribeEndpointOutput'),
      expect.stringContaining('required member EndpointArn of DescribeEndpointOutput is missing'),
      expect.stringContaining('Sfn.ExecutionDoesNotExist is not an error stepfunctions:DescribeExecution can raise'),
      expect.stringContaining('SageMaker.ThrottlingException names another service'),
    ]));
  });

  test('answerTask records the answer and passes results and errors through', () => {
    // GIVEN
    const failing = () => answerTask(`${SM}deleteModel`, () => {
      const e = new Error('Could not find model');
      e.name = 'SageMaker.SageMakerException';
      throw e;
    });
    // WHEN / THEN
    expect(answerTask(`${SM}deleteModel`, () => ({}))).toEqual({});
    expect(failing).toThrow('Could not find model');
  });
});
