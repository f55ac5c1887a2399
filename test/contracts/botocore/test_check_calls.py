"""Positive controls of the call check: answers AWS could not give and bad requests must be reported."""
from check_calls import check_answers

SM = 'arn:aws:states:::aws-sdk:sagemaker:'
DESCRIBED = {'EndpointName': 'e', 'EndpointArn': 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/e',
             'EndpointStatus': 'InService', 'CreationTime': '2026-01-01T00:00:00Z', 'LastModifiedTime': '2026-01-01T00:00:00Z'}


def found(*answers):
    return [f"{f['where']}: {f['what']}" for f in check_answers(list(answers)).findings]


def test_answers_aws_could_give_pass():
    assert found(
        {'resource': SM + 'describeEndpoint', 'output': DESCRIBED},
        {'resource': SM + 'describeEndpoint', 'error': 'SageMaker.SageMakerException'},
        {'resource': SM + 'deleteModel', 'output': {}},
        {'resource': 'arn:aws:states:::dynamodb:putItem', 'error': 'DynamoDB.ConditionalCheckFailedException'},
        {'resource': 'arn:aws:states:::sns:publish.waitForTaskToken', 'output': {'approvedBy': 'me'}},
        {'resource': 'arn:aws:states:::sns:publish.waitForTaskToken', 'error': 'Rejected'},
        {'resource': 'arn:aws:states:::states:startExecution', 'error': 'StepFunctions.ExecutionAlreadyExistsException'},
    ) == []


def test_fails_when_an_enum_value_is_not_in_the_output_shape():
    assert found({'resource': SM + 'describeEndpoint', 'output': {**DESCRIBED, 'EndpointStatus': 'Running'}}) == [
        f"mocked answer of {SM}describeEndpoint:EndpointStatus: 'Running' is not one of EndpointStatus "
        "['OutOfService', 'Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'InService', 'Deleting', 'Failed', 'UpdateRollbackFailed']"]


def test_fails_when_a_member_is_unknown_or_a_required_one_missing():
    out = found({'resource': 'arn:aws:states:::aws-sdk:sfn:describeExecution', 'output': {'ExecutionArn': 'a', 'Status': 'RUNNING', 'Foo': 1}})
    assert any('Foo is not a member of DescribeExecutionOutput' in f for f in out)
    assert any('required member StartDate of DescribeExecutionOutput is missing' in f for f in out)


def test_fails_when_a_mocked_error_cannot_be_raised():
    out = found(
        {'resource': SM + 'describeEndpoint', 'error': 'SageMaker.ThrottlingException'},
        {'resource': 'arn:aws:states:::states:startExecution', 'error': 'ExecutionAlreadyExists'},
        {'resource': 'arn:aws:states:::aws-sdk:sfn:describeExecution', 'error': 'Sfn.ExecutionDoesNotExist'},
    )
    assert len(out) == 3
    assert 'SageMaker.ThrottlingException is not an error sagemaker:DescribeEndpoint can raise' in out[0]
    assert 'ExecutionAlreadyExists has no service prefix' in out[1]
    assert 'did you mean Sfn.ExecutionDoesNotExistException' in out[2]


def test_a_sync_job_answers_with_the_describe_output():
    out = found({'resource': 'arn:aws:states:::sagemaker:createProcessingJob.sync', 'output': {'ProcessingJobStatus': 'Done'}})
    assert any("'Done' is not one of ProcessingJobStatus" in f for f in out)
    assert any('required member ProcessingJobName of DescribeProcessingJobResponse is missing' in f for f in out)


def test_fails_when_an_evaluated_request_breaks_the_input_shape():
    out = found({'resource': 'arn:aws:states:::aws-sdk:s3:listObjectsV2', 'request': {'Bucket': 'b', 'MaxKeys': '1', 'Prefx': 'p'}})
    assert any('Prefx is not a member of ListObjectsV2Request (did you mean Prefix?)' in f for f in out)
    assert any("str '1' where MaxKeys is a integer" in f for f in out)
