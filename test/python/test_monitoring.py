"""A Python team monitors an endpoint for drift with the jsii-built cdk_mlops wheel."""
import json

import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

import cdk_mlops

FEATURES = ["age", "income", "plan", "tenure_months"]


def _fixture():
    app = cdk.App(context={"aws:cdk:disable-creation-stack-traces": True})
    stack = cdk.Stack(app, "PyDrift", env=cdk.Environment(account="111111111111", region="us-east-1"))
    capture = s3.Bucket.from_bucket_name(stack, "Capture", "churn-capture")
    key = kms.Key.from_key_arn(stack, "CaptureKey", "arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555")
    stage = cdk_mlops.DeploymentStage.from_stage_attributes(
        stage_name="prod",
        endpoint_name="churn-prod",
        data_capture_bucket=capture,
        data_capture_prefix="data-capture/prod/",
        encryption_key=key,
    )
    artifacts = s3.Bucket.from_bucket_name(stack, "Artifacts", "churn-artifacts")
    baseline = cdk_mlops.DriftBaseline.from_s3_prefix(artifacts, "baselines/churn/")
    pipeline = cdk_mlops.MlPipeline.from_pipeline_name(stack, "Training", "churn-training")
    return stack, stage, baseline, pipeline


def test_processing_engine_with_alarms_and_retraining():
    stack, stage, baseline, pipeline = _fixture()
    monitor = cdk_mlops.DriftMonitor(
        stack, "Drift",
        stage=stage,
        baseline=baseline,
        engine=cdk_mlops.DriftEngine.processing(instance_count=2, psi_threshold=0.25),
        schedule=cdk_mlops.DriftSchedule.hourly(),
        features=FEATURES,
        feature_alarms=["income"],
        retrain_pipeline=pipeline,
        retrain_pipeline_parameters={"Reason": "drift"},
        retrain_cooldown=cdk.Duration.hours(12),
        notification_emails=["ml-team@example.com"],
    )
    monitor.on_drift_detected("OnDrift")

    template = assertions.Template.from_stack(stack)
    template.has_resource_properties("AWS::Scheduler::Schedule", {"ScheduleExpression": "cron(10 * * * ? *)"})
    template.has_resource_properties("AWS::CloudWatch::Alarm", {
        "Namespace": "CdkMlops/Drift",
        "MetricName": "DriftScore",
        "Dimensions": [{"Name": "EndpointName", "Value": "churn-prod"}],
        "Threshold": 1,
    })
    template.has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": "FeatureDrift",
        "Dimensions": [{"Name": "EndpointName", "Value": "churn-prod"}, {"Name": "Feature", "Value": "income"}],
    })
    template.resource_count_is("AWS::StepFunctions::StateMachine", 2)
    template.resource_count_is("AWS::Lambda::Function", 0)
    template.has_resource("AWS::DynamoDB::Table", {"DeletionPolicy": "Retain"})
    machines = template.find_resources("AWS::StepFunctions::StateMachine")
    definitions = json.dumps([m["Properties"]["DefinitionString"] for m in machines.values()])
    assert "ShardedByS3Key" in definitions
    assert "Seconds\\\":43200" in definitions
    assert monitor.engine_name == "processing"
    assert sorted(monitor.feature_alarms.keys()) == ["income"]


def test_model_monitor_engine():
    stack, stage, baseline, _ = _fixture()
    cdk_mlops.DriftMonitor(
        stack, "Drift",
        stage=stage,
        baseline=baseline,
        engine=cdk_mlops.DriftEngine.model_monitor(),
        schedule=cdk_mlops.DriftSchedule.every_hours(6),
        features=FEATURES,
    )
    template = assertions.Template.from_stack(stack)
    template.resource_count_is("AWS::SageMaker::DataQualityJobDefinition", 1)
    # The schedule is created by a workflow once the endpoint is InService (SageMaker refuses a
    # schedule for an endpoint that does not exist yet), not by CloudFormation.
    template.resource_count_is("AWS::SageMaker::MonitoringSchedule", 0)
    machines = template.find_resources("AWS::StepFunctions::StateMachine")
    schedules = [json.dumps(r["Properties"]["DefinitionString"]) for logical_id, r in machines.items() if "MonitoringSchedules" in logical_id]
    assert len(schedules) == 1
    assert "createMonitoringSchedule" in schedules[0]
    assert "cron(0 0/6 ? * * *)" in schedules[0]


def test_invalid_props_raise_with_the_fix():
    stack, stage, baseline, _ = _fixture()
    with pytest.raises(Exception) as error:
        cdk_mlops.DriftMonitor(
            stack, "Drift",
            stage=stage,
            baseline=baseline,
            engine=cdk_mlops.DriftEngine.model_monitor(),
            features=FEATURES,
            schedule=cdk_mlops.DriftSchedule.rate(cdk.Duration.minutes(30)),
        )
    assert "Model Monitor runs only cron" in str(error.value)


def test_baseline_from_the_registry_is_looked_up_at_every_check():
    stack, stage, _, _ = _fixture()
    registry = cdk_mlops.ModelRegistry.from_model_package_group_name(stack, "Registry", "churn")
    artifacts = s3.Bucket.from_bucket_name(stack, "PipelineArtifacts", "churn-pipeline-artifacts")
    cdk_mlops.DriftMonitor(
        stack, "Drift",
        stage=stage,
        baseline=cdk_mlops.DriftBaseline.from_model_registry(registry, artifacts),
    )
    template = assertions.Template.from_stack(stack)
    machines = template.find_resources("AWS::StepFunctions::StateMachine")
    definition = json.dumps(list(machines.values())[0]["Properties"]["DefinitionString"])
    assert "aws-sdk:sagemaker:listModelPackages" in definition
    assert "DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri" in definition


def test_drift_metrics_are_cloudwatch_metrics_and_instance_types_are_ml_instance_types():
    stack, stage, baseline, _ = _fixture()
    monitor = cdk_mlops.DriftMonitor(
        stack, "Drift",
        stage=stage,
        baseline=baseline,
        engine=cdk_mlops.DriftEngine.processing(instance_type=cdk_mlops.MlInstanceType.of("ml.m5d.xlarge")),
    )
    monitor.metric_drift(period=cdk.Duration.hours(6)).create_alarm(stack, "SixHourDrift", threshold=1, evaluation_periods=2)
    monitor.metric_violations().create_alarm(stack, "AnyViolation", threshold=1, evaluation_periods=1)

    template = assertions.Template.from_stack(stack)
    template.has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": "DriftScore", "Period": 21600, "EvaluationPeriods": 2,
    })
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": "Violations", "Threshold": 1})
    machines = template.find_resources("AWS::StepFunctions::StateMachine")
    definition = json.dumps(list(machines.values())[0]["Properties"]["DefinitionString"])
    # local NVMe storage: SageMaker rejects a volume key for it (ProcessingClusterConfig.VolumeKmsKeyId)
    assert "ml.m5d.xlarge" in definition
    assert "VolumeKmsKeyId" not in definition


def test_a_stage_in_another_account_monitored_by_hand():
    app = cdk.App(context={"aws:cdk:disable-creation-stack-traces": True})
    tooling = cdk.Stack(app, "Tooling", env=cdk.Environment(account="111111111111", region="us-east-1"))
    registry = cdk_mlops.ModelRegistry(tooling, "Registry", model_package_group_name="churn", consumer_account_ids=["333333333333"])
    deployment = cdk_mlops.ApprovalDeployment(tooling, "Deployment", registry=registry, stages=[
        cdk_mlops.DeploymentStageOptions(stage_name="production", endpoint_name="churn-prod", account="333333333333"),
    ])
    production = deployment.stage("production")
    artifacts = s3.Bucket.from_bucket_name(tooling, "Artifacts", "churn-artifacts")
    monitor = cdk_mlops.DriftMonitor(tooling, "Drift", stage=production,
                                     baseline=cdk_mlops.DriftBaseline.from_s3_prefix(artifacts, "baselines/"))
    target_stack = cdk.Stack(app, "Production", env=cdk.Environment(account="333333333333", region="us-east-1"))
    target = cdk_mlops.DeploymentTargetAccount(
        target_stack, "Target",
        tooling_account_id="111111111111",
        registry=cdk_mlops.ModelRegistry.from_model_package_group_arn(
            target_stack, "Registry", "arn:aws:sagemaker:us-east-1:111111111111:model-package-group/churn"),
        endpoint_names=[production.endpoint_name],
    )

    grant = target.allow_drift_checks_from(production)

    assert monitor.stage.account == "333333333333"
    assert grant.success
    assert [s.sid for s in grant.resource_statements] == [
        "DriftChecksOfToolingAccountRead", "DriftChecksOfToolingAccountList", "DriftChecksOfToolingAccountDecryptThroughS3",
    ]
    tooling_json = json.dumps(assertions.Template.from_stack(tooling).to_json())
    assert ":kms:us-east-1:333333333333:key/*" in tooling_json
    with pytest.raises(Exception) as error:
        target.allow_drift_checks_from(production, "tooling")
    assert "accountId: got 'tooling'; allowed: a 12-digit account id" in str(error.value)
