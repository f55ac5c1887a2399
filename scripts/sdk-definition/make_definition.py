"""Write the definition of the classic SageMaker pipeline with the real SageMaker Python SDK.

preprocess (SKLearn processing) -> train (XGBoost) -> evaluate (processing with a
property file) -> condition on the evaluation's MSE -> register (pending manual
approval) or fail.

Offline: a PipelineSession only records the requests the steps would make, so
nothing reaches AWS. Code and data are given as S3 URIs (nothing is uploaded),
the role ARN and bucket are fake, and the default bucket is set as already
resolved (so the SDK does not ask STS or S3 about it). No credentials are needed. Output: test/fixtures/pipeline/sdk-classic.json

    .venv-pipeline/bin/pip install 'sagemaker==2.257.7'
    AWS_EC2_METADATA_DISABLED=true .venv-pipeline/bin/python scripts/sdk-definition/make_definition.py
"""
import json
import os
import sys

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

import boto3  # noqa: E402
from sagemaker import image_uris  # noqa: E402
from sagemaker.estimator import Estimator  # noqa: E402
from sagemaker.inputs import TrainingInput  # noqa: E402
from sagemaker.model import Model  # noqa: E402
from sagemaker.model_metrics import MetricsSource, ModelMetrics  # noqa: E402
from sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor  # noqa: E402
from sagemaker.sklearn.processing import SKLearnProcessor  # noqa: E402
from sagemaker.workflow.condition_step import ConditionStep  # noqa: E402
from sagemaker.workflow.conditions import ConditionLessThanOrEqualTo  # noqa: E402
from sagemaker.workflow.fail_step import FailStep  # noqa: E402
from sagemaker.workflow.functions import Join, JsonGet  # noqa: E402
from sagemaker.workflow.model_step import ModelStep  # noqa: E402
from sagemaker.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString  # noqa: E402
from sagemaker.workflow.pipeline import Pipeline  # noqa: E402
from sagemaker.workflow.pipeline_context import PipelineSession  # noqa: E402
from sagemaker.workflow.properties import PropertyFile  # noqa: E402
from sagemaker.workflow.steps import ProcessingStep, TrainingStep  # noqa: E402

REGION = "us-east-1"
ROLE = "arn:aws:iam::111111111111:role/example-pipeline-role"
BUCKET = "example-mlops-artifacts"
GROUP = "example-model-group"


def build() -> Pipeline:
    boto_session = boto3.Session(region_name=REGION)
    # TelemetryOptOut: the SDK would otherwise send usage telemetry over the network.
    config = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}}
    session = PipelineSession(boto_session=boto_session, default_bucket=BUCKET, sagemaker_config=config)
    # default_bucket() would still check (HeadBucket) that the bucket exists;
    # recording it as already resolved keeps the script offline.
    session._default_bucket = BUCKET

    instance_count = ParameterInteger(name="ProcessingInstanceCount", default_value=1)
    instance_type = ParameterString(name="TrainingInstanceType", default_value="ml.m5.xlarge")
    input_data = ParameterString(name="InputData", default_value=f"s3://{BUCKET}/abalone/abalone-dataset.csv")
    mse_threshold = ParameterFloat(name="MseThreshold", default_value=6.0)

    sklearn = SKLearnProcessor(
        framework_version="1.2-1", instance_type="ml.m5.xlarge", instance_count=instance_count,
        base_job_name="abalone-preprocess", role=ROLE, sagemaker_session=session,
    )
    preprocess = ProcessingStep(
        name="PreprocessAbaloneData",
        step_args=sklearn.run(
            inputs=[ProcessingInput(source=input_data, destination="/opt/ml/processing/input")],
            outputs=[
                ProcessingOutput(output_name="train", source="/opt/ml/processing/train"),
                ProcessingOutput(output_name="validation", source="/opt/ml/processing/validation"),
                ProcessingOutput(output_name="test", source="/opt/ml/processing/test"),
            ],
            code=f"s3://{BUCKET}/code/preprocess.py",
        ),
    )

    image = image_uris.retrieve(framework="xgboost", region=REGION, version="1.7-1", py_version="py3", instance_type="ml.m5.xlarge")
    xgb = Estimator(
        image_uri=image, instance_type=instance_type, instance_count=1,
        output_path=f"s3://{BUCKET}/abalone/model", role=ROLE, sagemaker_session=session,
        disable_profiler=True,
    )
    xgb.set_hyperparameters(objective="reg:linear", num_round=50, max_depth=5, eta=0.2, gamma=4, min_child_weight=6, subsample=0.7)
    train = TrainingStep(
        name="TrainAbaloneModel",
        step_args=xgb.fit(inputs={
            "train": TrainingInput(s3_data=preprocess.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri, content_type="text/csv"),
            "validation": TrainingInput(s3_data=preprocess.properties.ProcessingOutputConfig.Outputs["validation"].S3Output.S3Uri, content_type="text/csv"),
        }),
    )

    evaluator = ScriptProcessor(
        image_uri=image, command=["python3"], instance_type="ml.m5.xlarge", instance_count=1,
        base_job_name="abalone-eval", role=ROLE, sagemaker_session=session,
    )
    report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    evaluate = ProcessingStep(
        name="EvaluateAbaloneModel",
        step_args=evaluator.run(
            inputs=[
                ProcessingInput(source=train.properties.ModelArtifacts.S3ModelArtifacts, destination="/opt/ml/processing/model"),
                ProcessingInput(source=preprocess.properties.ProcessingOutputConfig.Outputs["test"].S3Output.S3Uri, destination="/opt/ml/processing/test"),
            ],
            outputs=[ProcessingOutput(output_name="evaluation", source="/opt/ml/processing/evaluation")],
            code=f"s3://{BUCKET}/code/evaluate.py",
        ),
        property_files=[report],
    )

    metrics = ModelMetrics(model_statistics=MetricsSource(
        s3_uri=Join(on="/", values=[evaluate.properties.ProcessingOutputConfig.Outputs["evaluation"].S3Output.S3Uri, "evaluation.json"]),
        content_type="application/json",
    ))
    model = Model(image_uri=image, model_data=train.properties.ModelArtifacts.S3ModelArtifacts, role=ROLE, sagemaker_session=session)
    register = ModelStep(
        name="RegisterAbaloneModel",
        step_args=model.register(
            content_types=["text/csv"], response_types=["text/csv"],
            inference_instances=["ml.t2.medium", "ml.m5.large"], transform_instances=["ml.m5.large"],
            model_package_group_name=GROUP, approval_status="PendingManualApproval", model_metrics=metrics,
        ),
    )
    fail = FailStep(name="MseTooHigh", error_message=Join(on=" ", values=["MSE above", mse_threshold]))
    condition = ConditionStep(
        name="CheckMseAbaloneEvaluation",
        conditions=[ConditionLessThanOrEqualTo(
            left=JsonGet(step_name=evaluate.name, property_file=report, json_path="regression_metrics.mse.value"),
            right=mse_threshold,
        )],
        if_steps=[register], else_steps=[fail],
    )
    return Pipeline(
        name="AbalonePipeline",
        parameters=[instance_count, instance_type, input_data, mse_threshold],
        steps=[preprocess, train, evaluate, condition],
        sagemaker_session=session,
    )


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "test", "fixtures", "pipeline", "sdk-classic.json")
    definition = json.loads(build().definition())
    with open(out, "w") as f:
        json.dump(definition, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.normpath(out)}: {len(definition['Steps'])} top-level steps")


if __name__ == "__main__":
    main()
