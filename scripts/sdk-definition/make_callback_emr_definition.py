"""Write a SageMaker Python SDK 2.x definition with Lambda, Callback and EMR steps.

A Lambda step checks the input data, a Callback step asks a person through an
SQS queue, and a condition on the callback's answer runs, in its if branch, an
EMR step on a running cluster and a processing report (VPC, KMS keys), or
fails. The library's import validation must grant exactly lambda:InvokeFunction
on the function, sqs:SendMessage on the queue, the EMR step permissions on the
cluster and its EventBridge rule, and the processing job (found in the branch).

    .venv-sdk2/bin/python scripts/sdk-definition/make_callback_emr_definition.py
"""
import json

import offline  # noqa: F401  (must come before the SDK)
from offline import BUCKET, GROUPS, IMAGE, KEY, REGION, ROLE, SUBNETS, TELEMETRY_OFF, write

import boto3  # noqa: E402
from sagemaker.lambda_helper import Lambda  # noqa: E402
from sagemaker.network import NetworkConfig  # noqa: E402
from sagemaker.processing import ProcessingInput, ProcessingOutput, Processor  # noqa: E402
from sagemaker.workflow.callback_step import CallbackOutput, CallbackOutputTypeEnum, CallbackStep  # noqa: E402
from sagemaker.workflow.condition_step import ConditionStep  # noqa: E402
from sagemaker.workflow.conditions import ConditionEquals  # noqa: E402
from sagemaker.workflow.emr_step import EMRStep, EMRStepConfig  # noqa: E402
from sagemaker.workflow.fail_step import FailStep  # noqa: E402
from sagemaker.workflow.lambda_step import LambdaOutput, LambdaOutputTypeEnum, LambdaStep  # noqa: E402
from sagemaker.workflow.parameters import ParameterString  # noqa: E402
from sagemaker.workflow.pipeline import Pipeline  # noqa: E402
from sagemaker.workflow.pipeline_context import PipelineSession  # noqa: E402
from sagemaker.workflow.pipeline_definition_config import PipelineDefinitionConfig  # noqa: E402
from sagemaker.workflow.steps import ProcessingStep  # noqa: E402

FUNCTION = "arn:aws:lambda:us-east-1:111111111111:function:check-input-data"
QUEUE = "https://sqs.us-east-1.amazonaws.com/111111111111/model-approvals"
CLUSTER = "j-2AXXXXXXGAPLF"


def build():
    s = PipelineSession(boto_session=boto3.Session(region_name=REGION), default_bucket=BUCKET, sagemaker_config=TELEMETRY_OFF)
    s._default_bucket = BUCKET
    data = ParameterString(name="InputData", default_value=f"s3://{BUCKET}/data/input.csv")
    check = LambdaStep(
        name="CheckInput", lambda_func=Lambda(function_arn=FUNCTION, session=s), inputs={"data": data},
        outputs=[LambdaOutput(output_name="rows", output_type=LambdaOutputTypeEnum.Integer)],
    )
    approve = CallbackStep(
        name="Approve", sqs_queue_url=QUEUE, inputs={"data": data, "rows": check.properties.Outputs["rows"]},
        outputs=[CallbackOutput(output_name="decision", output_type=CallbackOutputTypeEnum.String)],
    )
    features = EMRStep(
        name="Features", display_name="Spark-features", description="Feature engineering on EMR", cluster_id=CLUSTER,
        step_config=EMRStepConfig(jar="command-runner.jar", args=["spark-submit", f"s3://{BUCKET}/code/features.py", data]),
    )
    processor = Processor(
        role=ROLE, image_uri=IMAGE, instance_count=1, instance_type="ml.m5.xlarge", volume_kms_key=KEY, output_kms_key=KEY,
        base_job_name="approvals-report", sagemaker_session=s, entrypoint=["python3", "/opt/ml/processing/input/code/report.py"],
        network_config=NetworkConfig(enable_network_isolation=False, security_group_ids=GROUPS, subnets=SUBNETS,
                                     encrypt_inter_container_traffic=True),
    )
    report = ProcessingStep(name="Report", depends_on=[features], step_args=processor.run(
        inputs=[ProcessingInput(source=f"s3://{BUCKET}/code/report.py", destination="/opt/ml/processing/input/code", input_name="code")],
        outputs=[ProcessingOutput(output_name="report", source="/opt/ml/processing/report", destination=f"s3://{BUCKET}/reports")],
    ))
    approved = ConditionStep(
        name="IsApproved",
        conditions=[ConditionEquals(left=approve.properties.Outputs["decision"], right="approve")],
        if_steps=[features, report],
        else_steps=[FailStep(name="Rejected", error_message="Rejected by the approver")],
    )
    return Pipeline(
        name="ApprovedFeatures", parameters=[data], steps=[check, approve, approved], sagemaker_session=s,
        pipeline_definition_config=PipelineDefinitionConfig(use_custom_job_prefix=True),
    )


if __name__ == "__main__":
    write(json.loads(build().definition()), "sdk-callback-emr.json")
