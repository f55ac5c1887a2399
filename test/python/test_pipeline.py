"""A Python team builds the classic ML pipeline from typed steps with the jsii-built cdk_mlops wheel.

preprocess -> train -> evaluate (property file) -> condition on MSE -> register (into a
ModelRegistry, pending manual approval) or fail.
"""
import json

import aws_cdk as cdk
from aws_cdk import assertions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets

import cdk_mlops

ACCOUNT = "111111111111"


def _stack() -> cdk.Stack:
    app = cdk.App(context={"aws:cdk:disable-creation-stack-traces": True})
    return cdk.Stack(app, "PyPipeline", env=cdk.Environment(account=ACCOUNT, region="us-east-1"))


def _classic(registry) -> cdk_mlops.PipelineDefinition:
    input_data = cdk_mlops.PipelineParameter.string("InputData", default_value="s3://example-data/abalone.csv")
    instance_type = cdk_mlops.PipelineParameter.string("TrainingInstanceType", default_value="ml.m5.xlarge")
    mse_threshold = cdk_mlops.PipelineParameter.float("MseThreshold", default_value=6.0)

    preprocess = cdk_mlops.ProcessingStep(
        "Preprocess",
        image=cdk_mlops.SageMakerImage.sklearn(),
        entrypoint=["python3", "/opt/ml/processing/input/code/preprocess.py"],
        inputs=[
            cdk_mlops.ProcessingInput(input_name="input", source=input_data.value, destination="/opt/ml/processing/input"),
            cdk_mlops.ProcessingInput(
                input_name="code", source=cdk_mlops.PipelineValue.of("s3://example-code/preprocess.py"),
                destination="/opt/ml/processing/input/code"),
        ],
        outputs=[
            cdk_mlops.ProcessingOutput(output_name="train", source="/opt/ml/processing/train"),
            cdk_mlops.ProcessingOutput(output_name="test", source="/opt/ml/processing/test"),
        ],
    )
    train = cdk_mlops.TrainingStep(
        "Train",
        image=cdk_mlops.SageMakerImage.xgboost(),
        instance_type_value=instance_type.value,
        channels=[cdk_mlops.TrainingChannel(channel_name="train", s3_uri=preprocess.output_uri("train"), content_type="text/csv")],
        hyperparameters={"objective": "reg:squarederror", "num_round": "50"},
    )
    report = cdk_mlops.PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    evaluate = cdk_mlops.ProcessingStep(
        "Evaluate",
        image=cdk_mlops.SageMakerImage.xgboost(),
        entrypoint=["python3", "/opt/ml/processing/input/code/evaluate.py"],
        inputs=[
            cdk_mlops.ProcessingInput(input_name="model", source=train.model_artifacts_uri, destination="/opt/ml/processing/model"),
            cdk_mlops.ProcessingInput(input_name="test", source=preprocess.output_uri("test"), destination="/opt/ml/processing/test"),
        ],
        outputs=[cdk_mlops.ProcessingOutput(output_name="evaluation", source="/opt/ml/processing/evaluation")],
        property_files=[report],
    )
    register = cdk_mlops.RegisterModelStep(
        "Register",
        registry=registry,
        image=cdk_mlops.SageMakerImage.xgboost(),
        model_data_url=train.model_artifacts_uri,
        model_metrics=cdk_mlops.ModelQualityFiles(
            model_quality_statistics=cdk_mlops.MetricsSource(
                s3_uri=cdk_mlops.PipelineValue.join([evaluate.output_uri("evaluation"), cdk_mlops.PipelineValue.of("evaluation.json")], "/"))),
    )
    mse = cdk_mlops.PipelineValue.json_get(step=evaluate, property_file=report, json_path="regression_metrics.mse.value")
    check = cdk_mlops.ConditionStep(
        "CheckMse",
        conditions=[cdk_mlops.Condition.less_than_or_equal_to(mse, mse_threshold.value)],
        if_steps=[register],
        else_steps=[cdk_mlops.FailStep("MseTooHigh", error_message="MSE above threshold")],
    )
    # No parameter list: the definition declares the parameters the steps use.
    return cdk_mlops.PipelineDefinition.from_steps(steps=[preprocess, train, evaluate, check])


def test_classic_pipeline_from_typed_steps_registers_into_the_registry():
    stack = _stack()
    registry = cdk_mlops.ModelRegistry(stack, "Registry", model_package_group_name="abalone")
    pipeline = cdk_mlops.MlPipeline(stack, "Training", pipeline_name="abalone-training", definition=_classic(registry))
    schedule = pipeline.add_schedule(
        "Nightly", schedule=scheduler.ScheduleExpression.cron(hour="3", minute="0"), parameters={"MseThreshold": "5.5"})
    # The pipeline is a grantee: its jobs read the data bucket.
    s3.Bucket.from_bucket_name(stack, "Data", "example-data").grant_read(pipeline, "abalone/*")

    template = assertions.Template.from_stack(stack)
    template.resource_count_is("AWS::SageMaker::Pipeline", 1)
    resource = list(template.find_resources("AWS::SageMaker::Pipeline").values())[0]
    assert resource["Properties"]["PipelineName"] == "abalone-training"
    body = resource["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"]
    # Tokens (role, key, bucket, group) are resolved by CloudFormation: the body is an Fn::Join.
    text = json.dumps(body)
    assert "Fn::Join" in text
    assert "PendingManualApproval" in text
    assert "Std:JsonGet" in text
    assert "abalone-training-train" in text
    for name in ("InputData", "TrainingInstanceType", "MseThreshold"):
        assert f'\\"Name\\":\\"{name}\\"' in text
    assert isinstance(schedule, scheduler.Schedule)
    template.has_resource_properties("AWS::Scheduler::Schedule", {
        "ScheduleExpression": "cron(0 3 * * ? *)",
        "Target": assertions.Match.object_like({
            "SageMakerPipelineParameters": {"PipelineParameterList": [{"Name": "MseThreshold", "Value": "5.5"}]},
        }),
    })
    template.has_resource_properties("AWS::IAM::ManagedPolicy", {
        "PolicyDocument": {"Statement": assertions.Match.array_with([assertions.Match.object_like({
            "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
        })])},
    })
    template.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Retain"})
    assert pipeline.pipeline_name == "abalone-training"


def test_sdk_json_and_imported_pipeline():
    stack = _stack()
    definition = cdk_mlops.PipelineDefinition.from_json(json.dumps({
        "Version": "2020-12-01",
        "Steps": [{"Name": "Stop", "Type": "Fail", "Arguments": {"ErrorMessage": "no"}}],
    }))
    cdk_mlops.MlPipeline(stack, "Sdk", definition=definition)
    imported = cdk_mlops.MlPipeline.from_pipeline_name(stack, "Imported", "churn-training")
    imported.on_execution_failed("Failed")
    metric = imported.metric_execution_failed()

    template = assertions.Template.from_stack(stack)
    template.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": {"detail": {"currentPipelineExecutionStatus": ["Failed"]}},
    })
    assert metric.namespace == "AWS/Sagemaker/ModelBuildingPipeline"
    assert metric.metric_name == "ExecutionFailed"


def test_an_ml_pipeline_is_an_aws_cdk_ipipeline_for_scheduler_targets():
    stack = _stack()
    imported = cdk_mlops.MlPipeline.from_pipeline_arn(
        stack, "Imported", "arn:aws:sagemaker:us-east-1:111111111111:pipeline/churn-training")
    scheduler.Schedule(stack, "Weekly",
        schedule=scheduler.ScheduleExpression.rate(cdk.Duration.days(7)),
        target=targets.SageMakerStartPipelineExecution(imported))
    runner = iam.Role(stack, "Runner", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    imported.grant_start_pipeline_execution(runner)

    template = assertions.Template.from_stack(stack)
    template.has_resource_properties("AWS::Scheduler::Schedule", {
        "Target": assertions.Match.object_like({"Arn": "arn:aws:sagemaker:us-east-1:111111111111:pipeline/churn-training"}),
    })
    assert imported.pipeline_name == "churn-training"
    assert imported.pipeline_ref.pipeline_name == "churn-training"


def test_invalid_definition_raises_with_the_fix():
    stack = _stack()
    step = cdk_mlops.ProcessingStep(
        "Prepare", image=cdk_mlops.SageMakerImage.sklearn(), instance_type=cdk_mlops.MlInstanceType.of("m5.xlarge"))
    try:
        cdk_mlops.MlPipeline(stack, "Bad", definition=cdk_mlops.PipelineDefinition.from_steps(steps=[step]))
    except Exception as e:  # jsii raises the ValidationError as a RuntimeError
        assert "instanceType" in str(e) and "ml.m5.xlarge" in str(e)
    else:
        raise AssertionError("expected a validation error")
