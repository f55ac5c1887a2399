"""The cleanup coverage check (scripts/contracts/cleanup_coverage.py): counterparts come from botocore,
every source of creating calls is read, and what it cannot read is reported."""
import io
import json
from contextlib import redirect_stdout

import cleanup_coverage
from cleanup_coverage import counterpart


def run(tmp_path, resources):
    path = tmp_path / 'template.json'
    path.write_text(json.dumps({'Resources': resources}))
    out = io.StringIO()
    with redirect_stdout(out):
        assert cleanup_coverage.main([str(path), '--cleanup', 'Cleanup']) == 0
    return json.loads(out.getvalue())


def machine(states):
    return {'Type': 'AWS::StepFunctions::StateMachine', 'Properties': {'DefinitionString': json.dumps({'StartAt': 'A', 'States': states})}}


def sdk(action, end=True):
    return {'Type': 'Task', 'Resource': f'arn:aws:states:::aws-sdk:{action}', 'Parameters': {}, 'End': end}


def test_counterparts_come_from_the_service_model():
    assert counterpart('sagemaker', 'CreateEndpoint') == 'DeleteEndpoint'
    # a job: stopped (it bills while it runs), although botocore also has DeleteTrainingJob
    assert counterpart('sagemaker', 'CreateTrainingJob') == 'StopTrainingJob'
    assert counterpart('sagemaker', 'StartPipelineExecution') == 'StopPipelineExecution'
    assert counterpart('stepfunctions', 'StartExecution') == 'StopExecution'
    assert counterpart('dynamodb', 'PutItem') == 'DeleteItem'
    assert counterpart('cloudwatch', 'PutMetricData') is None
    assert counterpart('sagemaker', 'DescribeEndpoint') is None


def test_a_created_kind_is_covered_only_by_its_counterpart_in_the_cleanup(tmp_path):
    result = run(tmp_path, {
        'Deploy': machine({'A': sdk('sagemaker:createEndpoint', False) | {'Next': 'B'}, 'B': sdk('sagemaker:createModel')}),
        'CleanupABCD1234': machine({'A': sdk('sagemaker:deleteEndpoint')}),
    })
    assert [(c['operation'], c['counterpart'], c['covered']) for c in result['created']] == [
        ('CreateEndpoint', 'DeleteEndpoint', True), ('CreateModel', 'DeleteModel', False)]


def test_reads_map_processors_pipeline_steps_and_aws_custom_resources(tmp_path):
    pipeline = {'Version': '2020-12-01', 'Steps': [
        {'Name': 'Train', 'Type': 'Training', 'Arguments': {}},
        {'Name': 'Check', 'Type': 'Condition', 'Arguments': {'IfSteps': [{'Name': 'Register', 'Type': 'RegisterModel', 'Arguments': {}}], 'ElseSteps': []}},
    ]}
    result = run(tmp_path, {
        'Deploy': machine({'A': {'Type': 'Map', 'ItemsPath': '$.x', 'ItemProcessor': {'StartAt': 'B', 'States': {'B': sdk('sagemaker:createModel')}}, 'End': True}}),
        'Pipeline': {'Type': 'AWS::SageMaker::Pipeline', 'Properties': {'PipelineDefinition': {'PipelineDefinitionBody': json.dumps(pipeline)}}},
        'Custom': {'Type': 'Custom::AWS', 'Properties': {'Create': json.dumps({'service': 'S3', 'action': 'putObject'})}},
        'CleanupABCD1234': machine({'A': sdk('sagemaker:deleteModel')}),
    })
    assert sorted((c['where'], c['operation']) for c in result['created']) == [
        ('Custom/Create', 'PutObject'), ('Deploy/B', 'CreateModel'), ('Pipeline/Register', 'CreateModelPackage'), ('Pipeline/Train', 'CreateTrainingJob')]


def test_fails_when_a_custom_resource_of_unknown_type_hides_its_calls(tmp_path):
    result = run(tmp_path, {
        'Mystery': {'Type': 'Custom::Mystery', 'Properties': {'ServiceToken': 'arn:aws:lambda:us-east-1:111111111111:function:f'}},
        'CleanupABCD1234': machine({'A': sdk('sagemaker:deleteModel')}),
    })
    assert result['customResources'] == [{'where': 'Mystery', 'type': 'Custom::Mystery', 'known': False}]
