"""A Python team composes the layers by hand and plugs them into aws-cdk-lib's own types.

Network, registry, pipeline, deployment and drift monitor without MlopsPlatform; then an
IPipeline into EventBridge Scheduler's SageMakerStartPipelineExecution, a stage endpoint's
grant_invoke to a Lambda function, a stage metric's create_alarm and
network.connections.allow_from, as the TypeScript test/api/native-composition.test.ts does.
"""
import json

import aws_cdk as cdk
from aws_cdk import assertions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events_targets as event_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets

import cdk_mlops

ACCOUNT = "111111111111"


def test_layers_composed_by_hand_plug_into_aws_cdk_types():
    app = cdk.App(context={"aws:cdk:disable-creation-stack-traces": True})
    stack = cdk.Stack(app, "PyComposed", env=cdk.Environment(account=ACCOUNT, region="us-east-1"))
    network = cdk_mlops.SecureMlNetwork(stack, "Network")
    registry = cdk_mlops.ModelRegistry(stack, "Registry", model_package_group_name="churn-models")
    training_data = cdk_mlops.PipelineParameter.string("TrainingData", default_value="s3://churn-data/train/")
    train = cdk_mlops.TrainingStep(
        "Train",
        image=cdk_mlops.SageMakerImage.xgboost(),
        instance_type=cdk_mlops.MlInstanceType.ML_M5_LARGE,
        channels=[cdk_mlops.TrainingChannel(channel_name="train", s3_uri=training_data.value, content_type="text/csv")],
    )
    register = cdk_mlops.RegisterModelStep(
        "Register", registry=registry, image=cdk_mlops.SageMakerImage.xgboost(), model_data_url=train.model_artifacts_uri)
    pipeline = cdk_mlops.MlPipeline(
        stack, "Training", pipeline_name="churn-training", network=network, registry=registry,
        definition=cdk_mlops.PipelineDefinition.from_steps(steps=[train, register]))
    deployment = cdk_mlops.ApprovalDeployment(
        stack, "Deployment", registry=registry, network=network,
        stages=[
            cdk_mlops.DeploymentStageOptions(stage_name="staging"),
            cdk_mlops.DeploymentStageOptions(stage_name="production", endpoint_name="churn-prod", approval_required=True),
        ],
    )
    production = deployment.stage("production")
    monitor = cdk_mlops.DriftMonitor(
        stack, "Drift", stage=production, network=network, retrain_pipeline=pipeline,
        baseline=cdk_mlops.DriftBaseline.from_s3_prefix(pipeline.artifact_bucket, "baselines/"))

    scheduler.Schedule(
        stack, "Nightly", schedule=scheduler.ScheduleExpression.cron(hour="1", minute="30"),
        target=scheduler_targets.SageMakerStartPipelineExecution(pipeline))
    scorer = lambda_.Function(
        stack, "Scorer", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None"))
    grant = production.endpoint.grant_invoke(scorer)
    production.metric_model_latency(statistic="p99").create_alarm(stack, "Latency", threshold=500_000, evaluation_periods=3)
    monitor.metric_drift().create_alarm(stack, "AnyDrift", threshold=1, evaluation_periods=1)
    network.connections.allow_from(ec2.Peer.ipv4("10.99.0.0/16"), ec2.Port.tcp(8080), "Model server from the VPN")
    deployment.on_model_deployed("Deployed", stage=production, target=event_targets.LambdaFunction(scorer))
    bucket_grant = pipeline.artifact_bucket.grant_read(iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal()))

    assert grant.success and bucket_grant.success
    template = assertions.Template.from_stack(stack)
    policies = json.dumps(template.find_resources("AWS::IAM::Policy"))
    assert "sagemaker:InvokeEndpoint" in policies and ":endpoint/churn-prod" in policies
    assert "sagemaker:StartPipelineExecution" in policies and ":pipeline/churn-training" in policies
    template.has_resource_properties("AWS::CloudWatch::Alarm", {
        "Namespace": "AWS/SageMaker", "MetricName": "ModelLatency", "ExtendedStatistic": "p99",
        "Dimensions": [{"Name": "EndpointName", "Value": "churn-prod"}, {"Name": "VariantName", "Value": "AllTraffic"}],
    })
    ingress = json.dumps(template.to_json())
    assert '"CidrIp": "10.99.0.0/16"' in ingress and '"FromPort": 8080' in ingress
    template.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": assertions.Match.object_like({
            "source": [cdk_mlops.DeploymentEvents.SOURCE],
            "detail-type": [cdk_mlops.DeploymentEvents.MODEL_DEPLOYED],
        }),
    })
