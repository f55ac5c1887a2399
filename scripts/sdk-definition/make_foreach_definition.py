"""Write a SageMaker Python SDK 3.x definition with a ForEach step (3.x only).

A ForEach step over two regions runs, per region, a processing job and a
training job (both in the VPC, KMS keys, inter-container encryption; training
with network isolation); then, when enough iterations succeeded, a condition
registers the eu-west-1 model (a literal artifact URI: a ForEach property
reference cannot be deep-copied into a register request by SDK 3.27.0) or fails. The library's import validation must find the jobs inside
the ForEach body and the register step inside the condition branch.

    .venv-sdk3/bin/python scripts/sdk-definition/make_foreach_definition.py
"""
import json

import offline  # noqa: F401  (must come before the SDK)
from offline import BUCKET, GROUP, GROUPS, IMAGE, KEY, REGION, ROLE, SUBNETS, TELEMETRY_OFF, write

import boto3  # noqa: E402
from sagemaker.core.model_registry import create_model_package_from_containers  # noqa: E402
from sagemaker.core.network import NetworkConfig  # noqa: E402
from sagemaker.core.processing import ProcessingInput, ProcessingOutput, ProcessingS3Input, Processor  # noqa: E402
from sagemaker.core.shapes import ProcessingS3Output  # noqa: E402
from sagemaker.core.workflow.conditions import ConditionGreaterThanOrEqualTo  # noqa: E402
from sagemaker.core.workflow.execution_variables import ExecutionVariables  # noqa: E402
from sagemaker.core.workflow.functions import Join  # noqa: E402
from sagemaker.core.workflow.parameters import ParameterInteger  # noqa: E402
from sagemaker.core.workflow.pipeline_context import PipelineSession  # noqa: E402
from sagemaker.core.workflow.pipeline_definition_config import PipelineDefinitionConfig  # noqa: E402
from sagemaker.mlops.workflow import (  # noqa: E402
    ConditionStep, CurrentItem, FailStep, ForEachStep, Pipeline, ProcessingStep, TrainingStep,
)
from sagemaker.mlops.workflow.model_step import ModelStep  # noqa: E402
from sagemaker.train import ModelTrainer  # noqa: E402
from sagemaker.train.configs import Compute, InputData, Networking, OutputDataConfig, StoppingCondition  # noqa: E402


def build():
    s = PipelineSession(boto_session=boto3.Session(region_name=REGION), default_bucket=BUCKET, sagemaker_config=TELEMETRY_OFF)
    s._default_bucket = BUCKET
    min_items = ParameterInteger(name="MinimumSucceeded", default_value=2)
    region = CurrentItem()
    prefix = Join(on="/", values=[f"s3://{BUCKET}/foreach", ExecutionVariables.PIPELINE_EXECUTION_ID, region])
    processor = Processor(
        role=ROLE, image_uri=IMAGE, instance_count=1, instance_type="ml.m5.xlarge", volume_size_in_gb=30, volume_kms_key=KEY,
        output_kms_key=KEY, max_runtime_in_seconds=3600, base_job_name="churn-prep", sagemaker_session=s,
        entrypoint=["python3", "/opt/ml/processing/input/code/prep.py"],
        network_config=NetworkConfig(enable_network_isolation=False, security_group_ids=GROUPS, subnets=SUBNETS,
                                     encrypt_inter_container_traffic=True),
    )
    prep = ProcessingStep(name="PrepRegion", step_args=processor.run(
        inputs=[ProcessingInput(input_name="code", app_managed=False, s3_input=ProcessingS3Input(
            s3_uri=f"s3://{BUCKET}/code/prep.py", local_path="/opt/ml/processing/input/code", s3_data_type="S3Prefix",
            s3_input_mode="File", s3_data_distribution_type="FullyReplicated", s3_compression_type="None"))],
        outputs=[ProcessingOutput(output_name="train", app_managed=False, s3_output=ProcessingS3Output(
            s3_uri=Join(on="/", values=[prefix, "train"]), local_path="/opt/ml/processing/train", s3_upload_mode="EndOfJob"))],
        arguments=["--region", region],
    ))
    trainer = ModelTrainer(
        training_image=IMAGE, role=ROLE, base_job_name="churn-train", sagemaker_session=s,
        compute=Compute(instance_type="ml.m5.xlarge", instance_count=1, volume_size_in_gb=30, volume_kms_key_id=KEY),
        networking=Networking(subnets=SUBNETS, security_group_ids=GROUPS, enable_network_isolation=True,
                              enable_inter_container_traffic_encryption=True),
        stopping_condition=StoppingCondition(max_runtime_in_seconds=7200),
        output_data_config=OutputDataConfig(s3_output_path=Join(on="/", values=[prefix, "model"]), kms_key_id=KEY),
        hyperparameters={"region": region},
    )
    train = TrainingStep(name="TrainRegion", step_args=trainer.train(input_data_config=[
        InputData(channel_name="train", data_source=prep.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri)]))
    for_each = ForEachStep(name="PerRegion", iterable_items=["eu-west-1", "us-east-1"], max_concurrency=2, for_each_body=[prep, train])

    s.init_model_step_arguments(type("ModelRef", (), {"sagemaker_session": s})())
    create_model_package_from_containers(
        s, containers=[{"Image": IMAGE, "ModelDataUrl": f"s3://{BUCKET}/foreach/eu-west-1/model.tar.gz"}],
        content_types=["text/csv"], response_types=["text/csv"], inference_instances=["ml.m5.large"], transform_instances=["ml.m5.xlarge"],
        model_package_group_name=GROUP, approval_status="PendingManualApproval",
    )
    register = ModelStep(name="RegisterFirstRegion", step_args=s.context)
    check = ConditionStep(
        name="EnoughRegions",
        conditions=[ConditionGreaterThanOrEqualTo(left=for_each.properties.SucceededStepCount, right=min_items)],
        if_steps=[register],
        else_steps=[FailStep(name="TooFewRegions", error_message="Too few regions trained")],
    )
    return Pipeline(
        name="ChurnPerRegion", parameters=[min_items], steps=[for_each, check], sagemaker_session=s,
        pipeline_definition_config=PipelineDefinitionConfig(use_custom_job_prefix=True),
    )


if __name__ == "__main__":
    write(json.loads(build().definition()), "sdk3-foreach.json")
