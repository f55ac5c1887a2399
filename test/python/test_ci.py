"""A Python team puts continuous integration in front of its SageMaker pipeline with the jsii-built cdk_mlops wheel."""
import json

import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

import cdk_mlops

CONNECTION_ARN = "arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"


def _stack() -> cdk.Stack:
    app = cdk.App(context={"aws:cdk:disable-creation-stack-traces": True})
    return cdk.Stack(app, "PyCi", env=cdk.Environment(account="123456789012", region="us-east-1"))


def _bucket(stack: cdk.Stack, name: str) -> s3.Bucket:
    key = kms.Key(stack, f"{name}Key", enable_key_rotation=True)
    return s3.Bucket(
        stack, name,
        encryption=s3.BucketEncryption.KMS, encryption_key=key,
        enforce_ssl=True, versioned=True, block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
    )


def _run_project(template: assertions.Template) -> dict:
    projects = template.find_resources("AWS::CodeBuild::Project")
    return next(p for p in projects.values() if p["Properties"]["Description"].startswith("Update and start"))


def test_github_repository_tests_then_starts_the_pipeline():
    stack = _stack()
    ml_pipeline = cdk_mlops.MlPipeline.from_pipeline_name(stack, "Ml", "churn")

    ci = cdk_mlops.CiPipeline(
        stack, "Ci",
        pipeline=ml_pipeline,
        source=cdk_mlops.CiSource.connection(
            connection_arn=CONNECTION_ARN, owner="acme-ml", repo="churn-model",
            branch="main", file_paths=["src/**", "requirements.txt"],
        ),
        notification_emails=["ml-team@example.com"],
    )

    template = assertions.Template.from_stack(stack)
    template.has_resource_properties("AWS::CodePipeline::Pipeline", {
        "PipelineType": "V2",
        "Triggers": [assertions.Match.object_like({
            "GitConfiguration": {
                "SourceActionName": "Checkout",
                "Push": [{"Branches": {"Includes": ["main"]}, "FilePaths": {"Includes": ["src/**", "requirements.txt"]}}],
            },
        })],
    })
    template.has_resource_properties("AWS::CodeBuild::Project", {
        "Environment": assertions.Match.object_like({"Image": "aws/codebuild/standard:7.0", "PrivilegedMode": False}),
        "EncryptionKey": assertions.Match.any_value(),
    })
    template.has_resource_properties("AWS::CodeBuild::ReportGroup", {"Type": "TEST"})
    template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ml-team@example.com"})
    assert ci.metric_failed_pipeline_executions().namespace == "AWS/CodePipeline"
    assert ci.ml_pipeline.pipeline_name == "churn"


def test_definition_from_the_repository_updates_and_waits():
    stack = _stack()
    cdk_mlops.CiPipeline(
        stack, "Ci",
        pipeline=cdk_mlops.MlPipeline.from_pipeline_name(stack, "Ml", "churn"),
        source=cdk_mlops.CiSource.s3(bucket=_bucket(stack, "Upload"), object_key="ml/source.zip"),
        update=cdk_mlops.PipelineUpdate.from_repository_definition(
            generate_command="python pipelines/build.py --output pipeline-definition.json",
        ),
        wait_for_execution=True,
        execution_timeout=cdk.Duration.hours(3),
    )

    template = assertions.Template.from_stack(stack)
    project = _run_project(template)
    spec = json.loads(project["Properties"]["Source"]["BuildSpec"])
    commands = spec["phases"]["build"]["commands"]
    assert commands[0] == "python pipelines/build.py --output pipeline-definition.json"
    assert any(c.startswith("aws sagemaker update-pipeline") for c in commands)
    assert "list-pipeline-executions" in commands[-1]
    assert project["Properties"]["TimeoutInMinutes"] == 240
    template.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": assertions.Match.object_like({"source": ["aws.s3"], "detail-type": ["Object Created"]}),
    })


def test_codecommit_start_only_publishes_code():
    stack = _stack()
    cdk_mlops.CiPipeline(
        stack, "Ci",
        pipeline=cdk_mlops.MlPipeline.from_pipeline_name(stack, "Ml", "churn"),
        source=cdk_mlops.CiSource.code_commit(
            repository=codecommit.Repository.from_repository_name(stack, "Repo", "churn-model"),
        ),
        update=cdk_mlops.PipelineUpdate.start_only(code_bucket=_bucket(stack, "Code"), code_prefix="churn/code"),
    )

    template = assertions.Template.from_stack(stack)
    project = _run_project(template)
    env = {v["Name"]: v["Value"] for v in project["Properties"]["Environment"]["EnvironmentVariables"]}
    assert env["CODE_PREFIX"] == "churn/code"
    assert env["PIPELINE_NAME"] == "churn"


def test_bad_input_raises_a_validation_error_naming_the_prop():
    stack = _stack()
    with pytest.raises(Exception) as info:
        cdk_mlops.CiPipeline(
            stack, "Ci",
            pipeline=cdk_mlops.MlPipeline.from_pipeline_name(stack, "Ml", "churn"),
            source=cdk_mlops.CiSource.connection(connection_arn="arn:aws:codestar:bad", owner="o", repo="r", branch=""),
            test_command="",
        )
    message = str(info.value)
    assert "source.connectionArn: got 'arn:aws:codestar:bad'" in message
    assert "source.branch: got ''" in message
    assert "testCommand: got ''" in message
