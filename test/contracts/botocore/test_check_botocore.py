"""Positive controls of the botocore checker: deliberately wrong requests must be reported."""
import json

import pytest
from conftest import machine, task, template, write

import check_botocore
from aws_models import integration, pattern_matches
from shape_check import Report

ROLE = '__ROLE_ARN__'
PROCESSING = {
    'ProcessingJobName': 'drift-c-1',
    'RoleArn': ROLE,
    'AppSpecification': {'ImageUri': '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3'},
    'ProcessingResources': {'ClusterConfig': {'InstanceCount': 1, 'InstanceType': 'ml.m5.xlarge', 'VolumeSizeInGB': 30}},
    'StoppingCondition': {'MaxRuntimeInSeconds': 3600},
}


def findings(definition, **kwargs):
    report = Report()
    report.sources = {}
    check_botocore.check_definition(definition, 'Machine', report, **kwargs)
    return [f"{f['where']}: {f['what']}" for f in report.findings], report


def one(definition):
    found, _ = findings(definition)
    assert len(found) == 1, found
    return found[0]


def test_a_correct_workflow_has_no_finding():
    # GIVEN requests and error names as AWS documents them, in JSONPath and JSONata
    good = machine(
        Model=task('aws-sdk:sagemaker:createModel', {
            'ModelName.$': '$.name', 'ExecutionRoleArn': 'arn:aws:iam::123456789012:role/x',
            'PrimaryContainer': {'ModelPackageName.$': '$.arn'}, 'Tags': [{'Key': 'a', 'Value.$': '$.v'}],
        }, Retry=[{'ErrorEquals': ['SageMaker.SageMakerException', 'SageMaker.ResourceLimitExceededException']}],
            Catch=[{'ErrorEquals': ['States.ALL'], 'Next': 'Model'}]),
        Job=task('sagemaker:createProcessingJob.sync', {**PROCESSING, 'RoleArn': 'arn:aws:iam::123456789012:role/x'},
                 Retry=[{'ErrorEquals': ['SageMaker.AmazonSageMakerException']}]),
        Start=task('states:startExecution', {'StateMachineArn': 'arn:aws:states:us-east-1:123456789012:stateMachine:m',
                                             'Input': {'any': 'json'}, 'Name.$': '$.n'},
                   Catch=[{'ErrorEquals': ['StepFunctions.ExecutionAlreadyExistsException', 'StepFunctions.ExecutionAlreadyExists'], 'Next': 'Start'}]),
        Lock=task('dynamodb:putItem', {'TableName': 't', 'Item': {'pk': {'S': 'x'}}},
                  Catch=[{'ErrorEquals': ['DynamoDB.ConditionalCheckFailedException'], 'Next': 'Lock'}]),
        Gate=task('sns:publish.waitForTaskToken', {'TopicArn': 'arn:aws:sns:us-east-1:123456789012:t', 'Message': {'token.$': '$$.Task.Token'}},
                  Catch=[{'ErrorEquals': ['Rejected'], 'Next': 'Gate'}]),
        Scale=task('aws-sdk:applicationautoscaling:registerScalableTarget', {
            'ServiceNamespace': 'sagemaker', 'ResourceId': 'endpoint/e/variant/AllTraffic',
            'ScalableDimension': 'sagemaker:variant:DesiredInstanceCount', 'MinCapacity': 1, 'MaxCapacity': 2,
        }, Retry=[{'ErrorEquals': ['ApplicationAutoScaling.ApplicationAutoScalingException', 'ApplicationAutoScaling.ConcurrentUpdateException']}]),
        Describe=task('aws-sdk:sfn:describeExecution', {'ExecutionArn.$': '$.arn'},
                      Catch=[{'ErrorEquals': ['Sfn.ExecutionDoesNotExistException'], 'Next': 'Describe'}]),
    )
    jsonata = {'QueryLanguage': 'JSONata', 'StartAt': 'L', 'States': {'L': {
        'Type': 'Task', 'Resource': 'arn:aws:states:::aws-sdk:s3:listObjectsV2', 'End': True,
        'Arguments': {'Bucket': 'b', 'Prefix': '{% $states.input.prefix %}', 'MaxKeys': 1}}}}
    # WHEN / THEN
    assert findings(good)[0] == []
    assert findings(jsonata)[0] == []


def test_fails_when_a_parameter_is_unknown():
    what = one(machine(M=task('aws-sdk:sagemaker:createModel', {'ModelName': 'm', 'ExecutionRoleArn.$': '$.r', 'ModelNme': 'x'})))
    assert what == 'Machine/M (sagemaker:CreateModel): ModelNme is not a member of CreateModelInput (did you mean ModelName?)'


def test_fails_when_a_nested_parameter_is_unknown_in_a_map_processor():
    inner = machine(T=task('aws-sdk:sagemaker:createEndpointConfig', {
        'EndpointConfigName': 'c', 'ProductionVariants': [{'VariantName': 'v', 'ModelNam': 'm'}]}))
    what = one({'StartAt': 'Each', 'States': {'Each': {'Type': 'Map', 'ItemProcessor': inner, 'End': True}}})
    assert 'Each/items/T' in what and 'ProductionVariants[0]' in what and 'ModelNam is not a member of ProductionVariant' in what


def test_fails_when_a_required_member_is_missing():
    what = one(machine(C=task('aws-sdk:sagemaker:createEndpoint', {'EndpointName': 'e'})))
    assert what.endswith('required member EndpointConfigName of CreateEndpointInput is missing')


def test_a_path_or_an_expression_counts_as_present():
    assert findings(machine(C=task('aws-sdk:sagemaker:createEndpoint', {'EndpointName': 'e', 'EndpointConfigName.$': '$.c'})))[0] == []


def test_fails_when_an_error_name_is_not_modeled():
    what = one(machine(C=task('aws-sdk:sagemaker:describeEndpoint', {'EndpointName': 'e'},
                              Retry=[{'ErrorEquals': ['SageMaker.ThrottlingException']}])))
    assert 'Retry[0]: SageMaker.ThrottlingException is not an error sagemaker:DescribeEndpoint can raise' in what
    assert 'did you mean SageMaker.SageMakerException' in what


@pytest.mark.parametrize('resource, params, name, expected', [
    ('aws-sdk:sagemaker:describeEndpoint', {'EndpointName': 'e'}, 'ThrottlingException', 'has no service prefix'),
    ('aws-sdk:applicationautoscaling:putScalingPolicy',
     {'PolicyName': 'p', 'ServiceNamespace': 'sagemaker', 'ResourceId': 'r', 'ScalableDimension': 'sagemaker:variant:DesiredInstanceCount'},
     'SageMaker.SageMakerException', 'names another service'),
    # the optimized integration's base exception is not the SDK integration's, and the reverse
    ('aws-sdk:sagemaker:describeEndpoint', {'EndpointName': 'e'}, 'SageMaker.AmazonSageMakerException', 'is not an error'),
    ('sagemaker:createProcessingJob.sync', dict(PROCESSING, RoleArn='arn:aws:iam::123456789012:role/x'), 'SageMaker.SageMakerException', 'is not an error'),
    ('aws-sdk:sfn:describeExecution', {'ExecutionArn': 'arn:aws:states:us-east-1:123456789012:execution:m:e'},
     'Sfn.ExecutionDoesNotExist', 'did you mean Sfn.ExecutionDoesNotExistException'),
    ('aws-sdk:sagemaker:describeEndpoint', {'EndpointName': 'e'}, 'States.Throttled', 'not a Step Functions error name'),
    ('sns:publish', {'TopicArn': 'arn:aws:sns:us-east-1:123456789012:t', 'Message': 'm'}, 'SNS.InvalidParameterException', 'no error prefix'),
    # the optimized EventBridge integration documents EventBridge.FailedEntry only (connect-eventbridge)
    ('events:putEvents', {'Entries': [{'Source': 's', 'DetailType': 'd', 'Detail': {'a': 1}}]}, 'EventBridge.FailedEntries',
     'did you mean EventBridge.FailedEntry'),
])
def test_fails_when_an_error_name_cannot_be_raised(resource, params, name, expected):
    what = one(machine(C=task(resource, params, Retry=[{'ErrorEquals': [name]}])))
    assert expected in what


def test_an_eventbridge_put_events_task_is_checked_against_put_events():
    # GIVEN the optimized integration as the deployment workflow writes it: Detail as a JSON object, FailedEntry retried
    good = machine(E=task('events:putEvents', {'Entries': [{'Source': 'cdk-mlops.deployment', 'DetailType': 'Model Deployed',
                                                            'Detail': {'stage': 'prod', 'modelPackageVersion.$': '$.v'}}]},
                          Retry=[{'ErrorEquals': ['EventBridge.FailedEntry']}]))
    assert findings(good)[0] == []
    # THEN an unknown entry member is reported (positive control)
    bad = machine(E=task('events:putEvents', {'Entries': [{'Source': 's', 'DetailKind': 'd'}]}))
    assert 'DetailKind' in one(bad)


def test_fails_when_an_enum_is_violated():
    what = one(machine(L=task('aws-sdk:sagemaker:listEndpointConfigs', {'SortBy': 'Size'})))
    assert "'Size' is not one of EndpointConfigSortKey ['Name', 'CreationTime']" in what


def test_fails_when_an_environment_value_is_longer_than_256_characters():
    env = {'DRIFT_CAPTURE_COLUMNS': ','.join(f'feature_{i:03d}' for i in range(40))}
    what = one(machine(J=task('sagemaker:createProcessingJob.sync', dict(PROCESSING, RoleArn='arn:aws:iam::123456789012:role/x', Environment=env))))
    assert 'Environment.DRIFT_CAPTURE_COLUMNS: 479 characters where ProcessingEnvironmentValue allows 0..256' in what


def test_fails_when_a_value_breaks_a_pattern_a_range_or_a_type():
    found, _ = findings(machine(J=task('sagemaker:createProcessingJob.sync', dict(
        PROCESSING, RoleArn='my-role',
        ProcessingResources={'ClusterConfig': {'InstanceCount': 0, 'InstanceType': 'ml.m5.xlarge', 'VolumeSizeInGB': '30'}}))))
    assert any("'my-role' does not match RoleArn pattern" in f for f in found)
    assert any('InstanceCount: 0 where ProcessingInstanceCount allows 1..100' in f for f in found)
    assert any("str '30' where ProcessingVolumeSizeInGB is a integer" in f for f in found)


def test_fails_when_a_parallel_catches_what_nothing_nested_raises():
    branch = machine(Ok={'Type': 'Pass', 'End': True}, Stop={'Type': 'Fail', 'Error': 'SilentRollback'})
    par = {'StartAt': 'P', 'States': {'P': {'Type': 'Parallel', 'Branches': [branch], 'End': True,
                                            'Catch': [{'ErrorEquals': ['SilentRollback', 'Rejected'], 'Next': 'P'}]}}}
    what = one(par)
    assert 'P:Catch[0]: Rejected is raised by no state nested in this Parallel' in what


def test_fails_when_the_operation_or_the_service_does_not_exist():
    assert 'sagemaker has no operation CreateModelz' in one(machine(A=task('aws-sdk:sagemaker:createModelz', {})))
    assert "SDK integration service 'sagemakr' is not in the checker" in one(machine(A=task('aws-sdk:sagemakr:createModel', {})))


def test_resolves_intrinsics_and_substitutions_in_templates(tmp_path):
    # GIVEN a role ARN joined in by Fn::GetAtt and a substituted bucket name
    definition = machine(J=task('sagemaker:createProcessingJob.sync', dict(
        PROCESSING, ProcessingOutputConfig={'Outputs': [{'OutputName': 'o', 'S3Output': {
            'S3Uri': 's3://${Bucket}/x', 'LocalPath': '/opt/ml/processing/output', 'S3UploadMode': 'Bogus'}}]})))
    tpl = template(definition, {'Reports': {'Type': 'AWS::S3::Bucket'}}, substitutions={'Bucket': {'Ref': 'Reports'}})
    d = write(tmp_path, 't', tpl)
    # WHEN
    out = tmp_path / 'r.json'
    code = check_botocore.main([d, '--no-divergences', '--json', str(out)])
    # THEN only the bad enum is found: the resolved role ARN and bucket match SageMaker's patterns
    result = json.load(open(out))
    assert code == 1
    assert [f['what'] for f in result['findings']] == [
        "'Bogus' is not one of ProcessingS3UploadMode ['Continuous', 'EndOfJob']"]
    assert result['counts']['patterns checked'] >= 3


def test_the_run_fails_on_an_unlisted_finding_and_on_a_listed_one_not_found(tmp_path, capsys):
    tpl = template(machine(C=task('aws-sdk:sagemaker:createEndpoint', {'EndpointName': 'e'})))
    d = write(tmp_path, 't', tpl)
    listed = tmp_path / 'div.json'
    entry = {'where': 'C (sagemaker:CreateEndpoint)', 'what': 'required member EndpointConfigName of CreateEndpointInput is missing',
             'source': 'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html', 'why': 'fixture'}
    # WHEN the finding is listed THEN the run passes
    listed.write_text(json.dumps({'botocore': [entry]}))
    assert check_botocore.main([d, '--divergences', str(listed)]) == 0
    # WHEN nothing is listed THEN it fails with the finding
    listed.write_text(json.dumps({'botocore': []}))
    assert check_botocore.main([d, '--divergences', str(listed)]) == 1
    assert 'FINDING C (sagemaker:CreateEndpoint):' in capsys.readouterr().out
    # WHEN a listed divergence is no longer found THEN it fails
    listed.write_text(json.dumps({'botocore': [entry, {**entry, 'what': 'gone'}]}))
    assert check_botocore.main([d, '--divergences', str(listed)]) == 1
    assert 'LISTED BUT NOT FOUND' in capsys.readouterr().out


def test_a_raw_cfn_resource_is_checked_against_its_api_shape(tmp_path):
    tpl = {'Resources': {'Role': {'Type': 'AWS::IAM::Role'}, 'App': {'Type': 'AWS::SageMaker::MlflowApp', 'Properties': {
        'Name': 'tracking', 'ArtifactStoreUri': 's3://b/mlflow/', 'RoleArn': {'Fn::GetAtt': ['Role', 'Arn']},
        'ModelRegistrationMode': 'Enabled'}}}}
    d = write(tmp_path, 't', tpl)
    out = tmp_path / 'r.json'
    check_botocore.main([d, '--no-divergences', '--json', str(out)])
    assert [f['what'] for f in json.load(open(out))['findings']] == [
        "'Enabled' is not one of ModelRegistrationMode ['AutoModelRegistrationEnabled', 'AutoModelRegistrationDisabled']"]


def test_java_patterns_are_translated_or_skipped():
    assert pattern_matches(r'^\p{Print}+$', 'ok value') is True
    assert pattern_matches(r'^\p{Print}+$', 'tab\there') is False
    assert pattern_matches(r'^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$', 'a b:c') is True
    assert pattern_matches(r'^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$', 'a#b') is False
    assert pattern_matches(r'^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$', 'caf\u00e9') is None  # Unicode classes on non-ASCII: skipped
    assert pattern_matches(r'[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF]*', '\U0001F600') is True
    assert pattern_matches(r'[a-z&&[^b]]', 'a') is None


def test_integrations_map_to_botocore_operations():
    integ, _ = integration('arn:aws:states:::aws-sdk:applicationautoscaling:putScalingPolicy')
    assert (integ.service, integ.operation, integ.prefix, integ.base) == (
        'application-autoscaling', 'PutScalingPolicy', 'ApplicationAutoScaling', 'ApplicationAutoScalingException')
    integ, _ = integration('arn:aws:states:::states:startExecution.sync:2')
    assert (integ.service, integ.operation, integ.pattern) == ('stepfunctions', 'StartExecution', 'sync:2')
    integ, _ = integration('arn:aws:states:::aws-sdk:sagemakerruntime:invokeEndpoint')
    assert 'SageMakerRuntime.ModelErrorException' in integ.error_names()
    assert integration('arn:aws:lambda:us-east-1:123456789012:function:f')[0] is None


def test_a_distributed_map_item_reader_is_a_call_too():
    reader = {'Resource': 'arn:aws:states:::s3:listObjectsV2', 'Parameters': {'Bucket': 'b', 'Prefx': 'p'}}
    m = {'StartAt': 'M', 'States': {'M': {'Type': 'Map', 'ItemReader': reader, 'ItemProcessor': machine(P={'Type': 'Pass', 'End': True}), 'End': True}}}
    assert 'M/ItemReader (s3:ListObjectsV2): Prefx is not a member of ListObjectsV2Request' in one(m)


def test_http_and_lambda_arn_tasks_have_no_botocore_shape():
    found, report = findings(machine(
        H={'Type': 'Task', 'Resource': 'arn:aws:states:::http:invoke', 'Parameters': {'Method': 'GET'}, 'End': True},
        L={'Type': 'Task', 'Resource': 'arn:aws:lambda:us-east-1:123456789012:function:f', 'End': True,
           'Retry': [{'ErrorEquals': ['CustomError']}]}))
    assert found == []
    assert report.counts['tasks with no botocore shape (Lambda/activity ARNs, HTTP, API Gateway)'] == 2
