"""The SDK-oracle cases built with the SageMaker Python SDK 2.x (see cases.ts for ours).

Each function returns the definition `Pipeline.definition()` writes for the same
inputs. Job names: `PipelineDefinitionConfig(use_custom_job_prefix=True)` keeps
the base job name, which is how the library names jobs (`<prefix>-<step>`).
"""
import json

import boto3
from sagemaker.clarify import BiasConfig, DataConfig
from sagemaker.drift_check_baselines import DriftCheckBaselines
from sagemaker.estimator import Estimator
from sagemaker.inputs import TrainingInput
from sagemaker.lambda_helper import Lambda
from sagemaker.model import Model
from sagemaker.model_metrics import MetricsSource, ModelMetrics
from sagemaker.model_monitor.dataset_format import DatasetFormat
from sagemaker.network import NetworkConfig
from sagemaker.processing import ProcessingInput, ProcessingOutput, Processor
from sagemaker.transformer import Transformer
from sagemaker.tuner import CategoricalParameter, ContinuousParameter, HyperparameterTuner, IntegerParameter
from sagemaker.workflow.callback_step import CallbackOutput, CallbackOutputTypeEnum, CallbackStep
from sagemaker.workflow.check_job_config import CheckJobConfig
from sagemaker.workflow.clarify_check_step import ClarifyCheckStep, DataBiasCheckConfig
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import (
    ConditionEquals, ConditionGreaterThan, ConditionGreaterThanOrEqualTo, ConditionIn, ConditionLessThan,
    ConditionLessThanOrEqualTo, ConditionNot, ConditionOr,
)
from sagemaker.workflow.emr_step import EMRStep, EMRStepConfig
from sagemaker.workflow.execution_variables import ExecutionVariables as X
from sagemaker.workflow.fail_step import FailStep
from sagemaker.workflow.functions import Join, JsonGet
from sagemaker.workflow.lambda_step import LambdaOutput, LambdaOutputTypeEnum, LambdaStep
from sagemaker.workflow.model_step import ModelStep
from sagemaker.workflow.parameters import ParameterBoolean, ParameterFloat, ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.pipeline_definition_config import PipelineDefinitionConfig
from sagemaker.workflow.properties import PropertyFile
from sagemaker.workflow.quality_check_step import DataQualityCheckConfig, QualityCheckStep
from sagemaker.workflow.retry import (
    SageMakerJobExceptionTypeEnum, SageMakerJobStepRetryPolicy, StepExceptionTypeEnum, StepRetryPolicy,
)
from sagemaker.workflow.steps import CacheConfig, ProcessingStep, TrainingStep, TransformStep, TuningStep

from oracle_common import INPUTS

I = INPUTS
ROLE, KEY, IMAGE, BUCKET, PREFIX = I["role"], I["key"], I["image"], I["bucket"], I["jobNamePrefix"]


def session():
    config = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}}
    s = PipelineSession(boto_session=boto3.Session(region_name=I["region"]), default_bucket=BUCKET, sagemaker_config=config)
    s._default_bucket = BUCKET  # resolved: no HeadBucket call
    return s


def network(isolation):
    return NetworkConfig(
        enable_network_isolation=isolation, security_group_ids=[I["securityGroup"]], subnets=I["subnets"],
        encrypt_inter_container_traffic=True,
    )


def default_output(step, leaf):
    """The library's default output location: s3://<bucket>/<prefix>/<execution id>/<step>/<leaf>."""
    return Join(on="/", values=[f"s3://{BUCKET}/{PREFIX}", X.PIPELINE_EXECUTION_ID, f"{step}/{leaf}"])


def code(name):
    return ProcessingInput(source=f"s3://{BUCKET}/code/{name}", destination="/opt/ml/processing/input/code", input_name="code")


def processor(s, step, entrypoint=None, instance_count=1, volume=30, env=None, max_runtime=86400):
    return Processor(
        role=ROLE, image_uri=IMAGE, instance_count=instance_count, instance_type="ml.m5.xlarge", entrypoint=entrypoint,
        volume_size_in_gb=volume, volume_kms_key=KEY, output_kms_key=KEY, max_runtime_in_seconds=max_runtime,
        base_job_name=f"{PREFIX}-{step.lower()}", sagemaker_session=s, env=env, network_config=network(False),
    )


def simple_processing(s, step, outputs):
    return ProcessingStep(name=step, step_args=processor(s, step).run(
        inputs=[code(f"{step.lower()}.py")],
        outputs=[ProcessingOutput(output_name=o, source=f"/opt/ml/processing/{o}", destination=default_output(step, o)) for o in outputs],
    ))


def estimator(s, step, instance_type="ml.m5.xlarge", **kwargs):
    return Estimator(
        image_uri=IMAGE, role=ROLE, instance_count=1, instance_type=instance_type, volume_size=30, volume_kms_key=KEY,
        output_kms_key=KEY, output_path=default_output(step, "model"), base_job_name=f"{PREFIX}-{step.lower()}",
        sagemaker_session=s, subnets=I["subnets"], security_group_ids=[I["securityGroup"]],
        encrypt_inter_container_traffic=True, enable_network_isolation=True, debugger_hook_config=False, disable_profiler=True,
        **kwargs,
    )


def pipeline(s, name, steps, parameters=()):
    return json.loads(Pipeline(
        name=f"oracle-{name}", parameters=list(parameters), steps=steps, sagemaker_session=s,
        pipeline_experiment_config=None,
        pipeline_definition_config=PipelineDefinitionConfig(use_custom_job_prefix=True),
    ).definition())


def case_processing():
    s = session()
    data = ParameterString(name="InputData", default_value=f"s3://{BUCKET}/data/input.csv")
    count = ParameterInteger(name="ProcessingInstanceCount", default_value=1)
    prep = ProcessingStep(
        name="Prep", display_name="Prepare-data", description="Split the data",
        step_args=processor(
            s, "Prep", entrypoint=["python3", "/opt/ml/processing/input/code/prep.py"], instance_count=count, volume=50,
            env={"STAGE": "oracle"}, max_runtime=7200,
        ).run(
            inputs=[ProcessingInput(source=data, destination="/opt/ml/processing/input", input_name="input"), code("prep.py")],
            outputs=[
                ProcessingOutput(output_name="train", source="/opt/ml/processing/train", destination=default_output("Prep", "train")),
                ProcessingOutput(output_name="test", source="/opt/ml/processing/test", destination=f"s3://{BUCKET}/oracle/test"),
            ],
            arguments=["--test-ratio", "0.2"],
        ),
        retry_policies=[
            SageMakerJobStepRetryPolicy(exception_types=[SageMakerJobExceptionTypeEnum.CAPACITY_ERROR], max_attempts=3),
            StepRetryPolicy(exception_types=[StepExceptionTypeEnum.THROTTLING], interval_seconds=5, backoff_rate=1.5, expire_after_mins=10),
        ],
        cache_config=CacheConfig(enable_caching=True, expire_after="P1D"),
    )
    after = simple_processing(s, "After", [])
    after.add_depends_on([prep])
    return pipeline(s, "processing", [prep, after], [data, count])


def case_training():
    s = session()
    instance_type = ParameterString(name="TrainingInstanceType", default_value="ml.m5.xlarge")
    prep = simple_processing(s, "Prep", ["train", "validation"])
    outputs = prep.properties.ProcessingOutputConfig.Outputs
    est = estimator(
        s, "Train", instance_type=instance_type, max_run=7200, environment={"MODE": "oracle"},
        hyperparameters={"objective": "reg:squarederror", "num_round": "50"},
        metric_definitions=[{"Name": "validation:rmse", "Regex": "validation-rmse:([0-9\\.]+)"}],
    )
    train = TrainingStep(
        name="Train",
        step_args=est.fit(inputs={
            "train": TrainingInput(s3_data=outputs["train"].S3Output.S3Uri, content_type="text/csv"),
            "validation": TrainingInput(s3_data=outputs["validation"].S3Output.S3Uri, content_type="text/csv"),
        }),
        retry_policies=[SageMakerJobStepRetryPolicy(exception_types=[SageMakerJobExceptionTypeEnum.INTERNAL_ERROR], max_attempts=2, interval_seconds=30)],
        cache_config=CacheConfig(enable_caching=True, expire_after="PT12H"),
    )
    return pipeline(s, "training", [prep, train], [instance_type])


def case_tuning():
    s = session()
    est = estimator(s, "Tune", hyperparameters={"objective": "binary:logistic"})
    tuner = HyperparameterTuner(
        est, objective_metric_name="validation:auc", objective_type="Maximize", strategy="Random", max_jobs=4, max_parallel_jobs=2,
        hyperparameter_ranges={
            "eta": ContinuousParameter(0.1, 0.5),
            "max_depth": IntegerParameter(3, 9, scaling_type="Linear"),
            "booster": CategoricalParameter(["gbtree", "dart"]),
        },
        metric_definitions=[{"Name": "validation:auc", "Regex": "validation-auc:([0-9\\.]+)"}],
        base_tuning_job_name=PREFIX, early_stopping_type="Off",
    )
    tune = TuningStep(
        name="Tune",
        step_args=tuner.fit(inputs={"train": TrainingInput(s3_data=f"s3://{BUCKET}/data/train", content_type="text/csv")}),
        retry_policies=[SageMakerJobStepRetryPolicy(exception_types=[SageMakerJobExceptionTypeEnum.RESOURCE_LIMIT], max_attempts=5)],
    )
    return pipeline(s, "tuning", [tune])


def _train(s):
    return TrainingStep(name="Train", step_args=estimator(s, "Train").fit(inputs={"train": TrainingInput(s3_data=f"s3://{BUCKET}/data/train")}))


def case_model_transform():
    s = session()
    train = _train(s)
    model = Model(
        name=f"{PREFIX}-model-createmodel", image_uri=IMAGE, model_data=train.properties.ModelArtifacts.S3ModelArtifacts, role=ROLE,
        sagemaker_session=s, enable_network_isolation=True, vpc_config={"Subnets": I["subnets"], "SecurityGroupIds": [I["securityGroup"]]},
    )
    create = ModelStep(name="Model", step_args=model.create(instance_type="ml.m5.xlarge"),
                       retry_policies=[StepRetryPolicy(exception_types=[StepExceptionTypeEnum.SERVICE_FAULT], max_attempts=5)])
    transformer = Transformer(
        model_name=create.properties.ModelName, instance_count=2, instance_type="ml.c5.xlarge", output_path=default_output("Score", "output"),
        output_kms_key=KEY, volume_kms_key=KEY, base_transform_job_name=f"{PREFIX}-score", sagemaker_session=s,
    )
    score = TransformStep(name="Score", step_args=transformer.transform(data=f"s3://{BUCKET}/data/batch", content_type="text/csv"),
                          cache_config=CacheConfig(enable_caching=True, expire_after="P7D"))
    return pipeline(s, "model-transform", [train, create, score])


def case_register():
    s = session()
    train = _train(s)

    def file(name):
        return MetricsSource(s3_uri=f"s3://{BUCKET}/reports/{name}.json", content_type="application/json")

    metrics = ModelMetrics(
        model_statistics=file("model-statistics"), model_constraints=file("model-constraints"),
        model_data_statistics=file("data-statistics"), model_data_constraints=file("data-constraints"),
        bias=file("bias"), explainability=file("explainability"),
    )
    baselines = DriftCheckBaselines(
        model_statistics=file("baseline-model-statistics"), model_constraints=file("baseline-model-constraints"),
        model_data_statistics=file("baseline-data-statistics"), model_data_constraints=file("baseline-data-constraints"),
        bias_post_training_constraints=file("baseline-bias"), explainability_constraints=file("baseline-explainability"),
    )
    model = Model(image_uri=IMAGE, model_data=train.properties.ModelArtifacts.S3ModelArtifacts, sagemaker_session=s)
    register = ModelStep(
        name="Register",
        step_args=model.register(
            content_types=["text/csv"], response_types=["application/json"], inference_instances=["ml.m5.large"],
            transform_instances=["ml.m5.xlarge"], model_package_group_name=I["group"], approval_status="Approved",
            model_metrics=metrics, drift_check_baselines=baselines, description="oracle model",
        ),
        retry_policies=[StepRetryPolicy(exception_types=[StepExceptionTypeEnum.THROTTLING], max_attempts=4)],
    )
    return pipeline(s, "register", [train, register])


def case_checks():
    s = session()
    data = f"s3://{BUCKET}/data/baseline.csv"

    def job(step):
        return CheckJobConfig(
            role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", volume_size_in_gb=30, volume_kms_key=KEY, output_kms_key=KEY,
            max_runtime_in_seconds=86400, base_job_name=f"{PREFIX}-{step}", sagemaker_session=s, network_config=network(False),
        )

    quality = QualityCheckStep(
        name="DataQuality", skip_check=True, register_new_baseline=True, model_package_group_name=I["group"],
        quality_check_config=DataQualityCheckConfig(
            baseline_dataset=data, dataset_format=DatasetFormat.csv(header=False), output_s3_uri=f"s3://{BUCKET}/checks/quality",
        ),
        check_job_config=job("dataquality"), cache_config=CacheConfig(enable_caching=True, expire_after="P1D"),
    )
    bias = ClarifyCheckStep(
        name="DataBias", skip_check=False, register_new_baseline=False, fail_on_violation=False,
        clarify_check_config=DataBiasCheckConfig(
            data_config=DataConfig(s3_data_input_path=data, s3_output_path=f"s3://{BUCKET}/checks/bias", label="y", dataset_type="text/csv"),
            data_bias_config=BiasConfig(label_values_or_threshold=[1], facet_name="f"),
        ),
        check_job_config=job("databias"),
    )
    return pipeline(s, "checks", [quality, bias])


def case_conditions():
    s = session()
    threshold = ParameterFloat(name="MseThreshold", default_value=6.0)
    minimum = ParameterInteger(name="MinimumCount", default_value=3)
    enabled = ParameterBoolean(name="Enabled", default_value=True)
    stage = ParameterString(name="Stage", default_value="dev")
    report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    evaluate = ProcessingStep(
        name="Evaluate",
        step_args=processor(s, "Evaluate").run(
            inputs=[code("evaluate.py")],
            outputs=[ProcessingOutput(output_name="evaluation", source="/opt/ml/processing/evaluation", destination=default_output("Evaluate", "evaluation"))],
        ),
        property_files=[report],
    )
    mse = JsonGet(step_name=evaluate.name, property_file=report, json_path="regression_metrics.mse.value")
    evaluation_uri = evaluate.properties.ProcessingOutputConfig.Outputs["evaluation"].S3Output.S3Uri
    gate = ConditionStep(
        name="Gate",
        conditions=[
            ConditionLessThanOrEqualTo(left=mse, right=threshold),
            ConditionGreaterThanOrEqualTo(left=minimum, right=1),
            ConditionEquals(left=enabled, right=True),
            ConditionNot(expression=ConditionEquals(left=stage, right="prod")),
            ConditionGreaterThan(left=X.START_DATETIME, right="2020-01-01T00:00:00Z"),
            ConditionLessThan(left=1, right=2),
            ConditionIn(value=stage, in_values=["dev", "test"]),
            ConditionNot(expression=ConditionEquals(left=X.PIPELINE_NAME, right="retired")),
            ConditionOr(conditions=[
                ConditionEquals(left=X.PIPELINE_ARN, right=X.PIPELINE_EXECUTION_ARN),
                ConditionNot(expression=ConditionIn(value=X.CURRENT_DATETIME, in_values=["never"])),
                ConditionLessThan(left=evaluation_uri, right="s3://z"),
            ]),
        ],
        if_steps=[FailStep(name="Accepted", error_message=Join(on="-", values=["accepted", X.PIPELINE_EXECUTION_ID, threshold]))],
        else_steps=[FailStep(name="Rejected", error_message="MSE too high", display_name="Reject", description="MSE above threshold")],
    )
    return pipeline(s, "conditions", [evaluate, gate], [threshold, minimum, enabled, stage])


def case_integrations():
    s = session()
    data = ParameterString(name="Data", default_value=f"s3://{BUCKET}/data")
    notify = LambdaStep(
        name="Notify", display_name="Notify-team",
        lambda_func=Lambda(function_arn=I["functionArn"], session=s),
        inputs={"data": data, "count": 3, "run": X.PIPELINE_EXECUTION_ID},
        outputs=[LambdaOutput(output_name="status", output_type=LambdaOutputTypeEnum.String),
                 LambdaOutput(output_name="score", output_type=LambdaOutputTypeEnum.Float)],
    )
    approve = CallbackStep(
        name="Approve", description="Human approval", sqs_queue_url=I["queueUrl"],
        inputs={"status": notify.properties.Outputs["status"]},
        outputs=[CallbackOutput(output_name="decision", output_type=CallbackOutputTypeEnum.String),
                 CallbackOutput(output_name="approved", output_type=CallbackOutputTypeEnum.Boolean)],
    )
    spark = EMRStep(
        name="Spark", display_name="Spark-job", description=None, cluster_id=I["clusterId"], depends_on=[approve],
        step_config=EMRStepConfig(jar="command-runner.jar", args=["spark-submit", f"s3://{BUCKET}/code/job.py", data], main_class="com.example.Main"),
    )
    return pipeline(s, "integrations", [notify, approve, spark], [data])


# The drift check's container command (src/private/drift-check.ts LAUNCHER): the value both sides pass.
LAUNCHER = "import glob,runpy,sys;sys.path.insert(0,sorted(glob.glob('/opt/ml/processing/input/code/*.zip'))[0]);runpy.run_module('driftcheck',run_name='__main__',alter_sys=True)"
BASELINE_ARGUMENTS = [
    "--dataset", "/opt/ml/processing/input/dataset", "--output", "/opt/ml/processing/output/baseline.json",
    "--dataset-format", "auto", "--no-header", "--label-column", "c0", "--facet", "c3>=60",
]


def case_drift_baseline():
    s = session()
    data = ParameterString(name="TrainingData", default_value=f"s3://{BUCKET}/data/train.csv")
    baseline = ProcessingStep(name="DriftBaseline", step_args=Processor(
        role=ROLE, image_uri=IMAGE, instance_count=1, instance_type="ml.m5.xlarge", entrypoint=["python3", "-c", LAUNCHER, "baseline"],
        volume_size_in_gb=30, volume_kms_key=KEY, output_kms_key=KEY, max_runtime_in_seconds=7200,
        base_job_name=f"{PREFIX}-driftbaseline", sagemaker_session=s, network_config=network(True),
    ).run(
        inputs=[ProcessingInput(source=f"s3://{BUCKET}/code/drift_check.zip", destination="/opt/ml/processing/input/code", input_name="code"),
                ProcessingInput(source=data, destination="/opt/ml/processing/input/dataset", input_name="dataset")],
        outputs=[ProcessingOutput(output_name="baseline", source="/opt/ml/processing/output",
                                  destination=default_output("DriftBaseline", "baseline"))],
        arguments=BASELINE_ARGUMENTS,
    ))
    statistics = MetricsSource(content_type="application/json", s3_uri=Join(on="/", values=[
        baseline.properties.ProcessingOutputConfig.Outputs["baseline"].S3Output.S3Uri, "baseline.json"]))
    model = Model(image_uri=IMAGE, model_data=f"s3://{BUCKET}/model/model.tar.gz", sagemaker_session=s)
    register = ModelStep(name="Register", step_args=model.register(
        content_types=["text/csv"], response_types=["text/csv"], inference_instances=["ml.m5.large", "ml.m5.xlarge"],
        transform_instances=["ml.m5.xlarge"], model_package_group_name=I["group"], approval_status="PendingManualApproval",
        model_metrics=ModelMetrics(model_data_statistics=statistics),
        drift_check_baselines=DriftCheckBaselines(model_data_statistics=statistics),
    ))
    return pipeline(s, "drift-baseline", [baseline, register], [data])


CASES = {
    "processing": case_processing,
    "training": case_training,
    "tuning": case_tuning,
    "model-transform": case_model_transform,
    "register": case_register,
    "checks": case_checks,
    "conditions": case_conditions,
    "integrations": case_integrations,
    "drift-baseline": case_drift_baseline,
}
