"""A Python team deploys approved versions of its registry with the jsii-built cdk_mlops wheel."""
import json

import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from aws_cdk import aws_s3 as s3

import cdk_mlops

TOOLING = "111111111111"
PROD = "222222222222"


def _stack(name: str = "PyDeploy", account: str = TOOLING) -> cdk.Stack:
    app = cdk.App(context={"aws:cdk:disable-creation-stack-traces": True})
    return cdk.Stack(app, name, env=cdk.Environment(account=account, region="us-east-1"))


def _workflow(template: assertions.Template) -> str:
    machines = template.find_resources("AWS::StepFunctions::StateMachine", {
        "Properties": {"StateMachineType": "STANDARD"},
    })
    assert len(machines) == 1
    return json.dumps(list(machines.values())[0]["Properties"]["DefinitionString"])


def test_default_deployment_is_staging_then_gated_production_without_lambda():
    stack = _stack()
    registry = cdk_mlops.ModelRegistry.from_model_package_group_name(stack, "Registry", "churn")
    deployment = cdk_mlops.ApprovalDeployment(stack, "Deployment", registry=registry)

    template = assertions.Template.from_stack(stack)
    template.resource_count_is("AWS::StepFunctions::StateMachine", 2)
    template.resource_count_is("AWS::Lambda::Function", 0)
    template.resource_count_is("AWS::CloudWatch::Alarm", 6)
    template.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": {
            "source": ["aws.sagemaker"],
            "detail-type": ["SageMaker Model Package State Change"],
            "detail": {"ModelPackageGroupName": ["churn"], "ModelApprovalStatus": ["Approved"]},
        },
    })
    template.has_resource("AWS::KMS::Key", {"DeletionPolicy": "Retain"})
    assert [s.stage_name for s in deployment.stages] == ["staging", "production"]
    assert "Wait for approval" in _workflow(template)


def test_custom_stages_expose_what_drift_monitoring_needs():
    stack = _stack()
    registry = cdk_mlops.ModelRegistry.from_model_package_group_name(stack, "Registry", "churn")
    deployment = cdk_mlops.ApprovalDeployment(
        stack, "Deployment",
        registry=registry,
        stages=[
            cdk_mlops.DeploymentStageOptions(stage_name="dev", serverless_memory_size_mib=2048),
            cdk_mlops.DeploymentStageOptions(
                stage_name="prod",
                endpoint_name="churn-prod",
                approval_required=True,
                instance_type=cdk_mlops.MlInstanceType.ML_M5_XLARGE,
                initial_instance_count=2,
                max_capacity=6,
                data_capture_sampling_percent=20,
                traffic_shift=cdk_mlops.TrafficShift.canary(canary_percent=10, wait_interval=cdk.Duration.minutes(10)),
                smoke_test_payload='{"features": [1, 2, 3]}',
            ),
        ],
    )

    prod = deployment.stage("prod")
    assert prod.endpoint_name == "churn-prod"
    assert prod.serverless is False
    assert prod.data_capture_prefix == "data-capture/prod/"
    assert deployment.stage("dev").serverless is True
    assert deployment.stage("dev").data_capture_enabled is False
    definition = _workflow(assertions.Template.from_stack(stack))
    assert "CANARY" in definition
    assert "InitialSamplingPercentage" in definition
    assert "prod: Smoke test" in definition


def test_serverless_stage_with_data_capture_is_rejected():
    stack = _stack()
    registry = cdk_mlops.ModelRegistry.from_model_package_group_name(stack, "Registry", "churn")
    with pytest.raises(Exception, match="serverless endpoints capture no data"):
        cdk_mlops.ApprovalDeployment(
            stack, "Deployment", registry=registry,
            stages=[cdk_mlops.DeploymentStageOptions(stage_name="dev", serverless_memory_size_mib=2048, data_capture=True)],
        )


def test_target_account_construct_matches_the_tooling_side_names():
    stack = _stack("PyTarget", PROD)
    registry = cdk_mlops.ModelRegistry.from_model_package_group_arn(
        stack, "Registry", f"arn:aws:sagemaker:us-east-1:{TOOLING}:model-package-group/churn")
    cdk_mlops.DeploymentTargetAccount(
        stack, "Target", tooling_account_id=TOOLING, registry=registry, endpoint_names=["churn-prod"])

    template = assertions.Template.from_stack(stack)
    template.has_resource_properties("AWS::IAM::Role", {"RoleName": "cdk-mlops-deployer"})
    template.has_resource_properties("AWS::S3::Bucket", {
        "BucketName": cdk_mlops.DeploymentTargetAccount.capture_bucket_name(PROD, "us-east-1"),
    })
    for name in cdk_mlops.DeploymentTargetAccount.alarm_names("churn-prod"):
        template.has_resource_properties("AWS::CloudWatch::Alarm", {"AlarmName": name})


def test_stages_plug_into_aws_cdk_lib_endpoints_metrics_and_events():
    from aws_cdk import aws_events_targets as targets, aws_iam as iam, aws_lambda as lambda_, aws_sns as sns

    stack = _stack()
    registry = cdk_mlops.ModelRegistry.from_model_package_group_name(stack, "Registry", "churn")
    deployment = cdk_mlops.ApprovalDeployment(
        stack, "Deployment", registry=registry, name_prefix="churn",
        stages=[
            cdk_mlops.DeploymentStageOptions(stage_name="staging"),
            cdk_mlops.DeploymentStageOptions(stage_name="production", account=PROD, endpoint_name="churn-prod", approval_required=True),
        ],
    )
    production = deployment.stage("production")
    client = lambda_.Function(
        stack, "Client", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None"),
    )

    grant = production.endpoint.grant_invoke(client)
    deployment.stage("staging").metric_model_latency().create_alarm(stack, "SlowModel", threshold=500_000, evaluation_periods=3)
    releases = sns.Topic(stack, "Releases")
    deployment.on_model_deployed("Released", stage=production, target=targets.SnsTopic(releases))
    deployment.grant_gate_decision(iam.Role(stack, "Reviewer", assumed_by=iam.AccountRootPrincipal()))

    assert grant.success
    template = assertions.Template.from_stack(stack)
    policy = json.dumps(template.find_resources("AWS::IAM::Policy"))
    assert "sagemaker:InvokeEndpoint" in policy
    assert f":sagemaker:us-east-1:{PROD}:endpoint/churn-prod" in policy
    assert "states:SendTaskSuccess" in policy
    template.has_resource_properties("AWS::CloudWatch::Alarm", {
        "Namespace": "AWS/SageMaker", "MetricName": "ModelLatency",
        "Dimensions": [{"Name": "EndpointName", "Value": deployment.endpoint_name("staging")}, {"Name": "VariantName", "Value": "AllTraffic"}],
    })
    template.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": {
            "source": [cdk_mlops.DeploymentEvents.SOURCE],
            "detail-type": [cdk_mlops.DeploymentEvents.MODEL_DEPLOYED],
            "resources": [assertions.Match.any_value()],
            "detail": {"stage": ["production"]},
        },
    })
    assert "cdk-mlops.deployment" in _workflow(template)
    # the cross-account stage uses the target account's names under the prefix
    assert "churn-deployer" in json.dumps(template.to_json())


def test_a_batch_stage_has_no_endpoint():
    stack = _stack()
    registry = cdk_mlops.ModelRegistry.from_model_package_group_name(stack, "Registry", "churn")
    scoring = s3.Bucket.from_bucket_name(stack, "Scoring", "churn-scoring")
    deployment = cdk_mlops.ApprovalDeployment(
        stack, "Deployment", registry=registry,
        stages=[cdk_mlops.DeploymentStageOptions(
            stage_name="nightly", target=cdk_mlops.DeploymentTarget.batch(input_bucket=scoring, run_on_new_data=True))],
    )
    with pytest.raises(Exception, match="batch stage nightly has no endpoint"):
        deployment.stage("nightly").endpoint
