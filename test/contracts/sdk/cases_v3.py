"""The SDK-oracle cases built with the SageMaker Python SDK 3.x (see cases.ts for ours).

3.x layout: Pipeline and steps in sagemaker.mlops.workflow, parameters,
functions, conditions and PipelineSession in sagemaker.core.workflow, training
in sagemaker.train (ModelTrainer, HyperparameterTuner), processing and
transform in sagemaker.core. Create-model and register-model steps take the
request the PipelineSession intercepts from `Session.create_model` and
`create_model_package_from_containers` (what ModelBuilder calls underneath;
ModelBuilder itself inspects the model to pick a serving stack, which needs
the model files).
"""
import json
import types

import boto3
from sagemaker.core.clarify import BiasConfig, DataConfig
from sagemaker.core.drift_check_baselines import DriftCheckBaselines
from sagemaker.core.lambda_helper import Lambda
from sagemaker.core.model_metrics import MetricsSource, ModelMetrics
from sagemaker.core.model_monitor.dataset_format import DatasetFormat
from sagemaker.core.model_registry import create_model_package_from_containers
from sagemaker.core.network import NetworkConfig
from sagemaker.core.processing import ProcessingInput, ProcessingOutput, ProcessingS3Input, Processor
from sagemaker.core.shapes import ProcessingS3Output
from sagemaker.core.transformer import Transformer
from sagemaker.core.workflow.conditions import (
    ConditionEquals, ConditionGreaterThan, ConditionGreaterThanOrEqualTo, ConditionIn, ConditionLessThan,
    ConditionLessThanOrEqualTo, ConditionNot, ConditionOr,
)
from sagemaker.core.workflow.execution_variables import ExecutionVariables as X
from sagemaker.core.workflow.functions import Join, JsonGet
from sagemaker.core.workflow.parameters import ParameterBoolean, ParameterFloat, ParameterInteger, ParameterString
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.core.workflow.pipeline_definition_config import PipelineDefinitionConfig
from sagemaker.core.workflow.properties import PropertyFile
from sagemaker.mlops.workflow import (
    CacheConfig, CallbackOutput, CallbackStep, ConditionStep, EMRStep, EMRStepConfig, FailStep, Pipeline, ProcessingStep,
    TrainingStep, TransformStep, TuningStep,
)
from sagemaker.mlops.workflow.callback_step import CallbackOutputTypeEnum
from sagemaker.mlops.workflow.check_job_config import CheckJobConfig
from sagemaker.mlops.workflow.clarify_check_step import ClarifyCheckStep, DataBiasCheckConfig
from sagemaker.mlops.workflow.lambda_step import LambdaOutput, LambdaOutputTypeEnum, LambdaStep
from sagemaker.mlops.workflow.model_step import ModelStep
from sagemaker.mlops.workflow.quality_check_step import DataQualityCheckConfig, QualityCheckStep
from sagemaker.mlops.workflow.retry import (
    SageMakerJobExceptionTypeEnum, SageMakerJobStepRetryPolicy, StepExceptionTypeEnum, StepRetryPolicy,
)
from sagemaker.train import ModelTrainer
from sagemaker.train.configs import Compute, InputData, Networking, OutputDataConfig, StoppingCondition
from sagemaker.train.tuner import HyperparameterTuner
from sagemaker.core.parameter import CategoricalParameter, ContinuousParameter, IntegerParameter

from oracle_common import INPUTS

I = INPUTS
ROLE, KEY, IMAGE, BUCKET, PREFIX = I["role"], I["key"], I["image"], I["bucket"], I["jobNamePrefix"]


def session():
    config = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}}
    s = PipelineSession(boto_session=boto3.Session(region_name=I["region"]), default_bucket=BUCKET, sagemaker_config=config)
    s._default_bucket = BUCKET
    return s


def network(isolation):
    return NetworkConfig(
        enable_network_isolation=isolation, security_group_ids=[I["securityGroup"]], subnets=I["subnets"],
        encrypt_inter_container_traffic=True,
    )


def default_output(step, leaf):
    return Join(on="/", values=[f"s3://{BUCKET}/{PREFIX}", X.PIPELINE_EXECUTION_ID, f"{step}/{leaf}"])


def s3_input(name, source, destination):
    return ProcessingInput(input_name=name, app_managed=False, s3_input=ProcessingS3Input(
        s3_uri=source, local_path=destination, s3_data_type="S3Prefix", s3_input_mode="File",
        s3_data_distribution_type="FullyReplicated", s3_compression_type="None",
    ))


def s3_output(name, source, destination):
    return ProcessingOutput(output_name=name, app_managed=False, s3_output=ProcessingS3Output(s3_uri=destination, local_path=source, s3_upload_mode="EndOfJob"))


def code(name):
    return s3_input("code", f"s3://{BUCKET}/code/{name}", "/opt/ml/processing/input/code")


def processor(s, step, entrypoint=None, instance_count=1, volume=30, env=None, max_runtime=86400):
    return Processor(
        role=ROLE, image_uri=IMAGE, instance_count=instance_count, instance_type="ml.m5.xlarge", entrypoint=entrypoint,
        volume_size_in_gb=volume, volume_kms_key=KEY, output_kms_key=KEY, max_runtime_in_seconds=max_runtime,
        base_job_name=f"{PREFIX}-{step.lower()}", sagemaker_session=s, env=env, network_config=network(False),
    )


def simple_processing(s, step, outputs):
    return ProcessingStep(name=step, step_args=processor(s, step).run(
        inputs=[code(f"{step.lower()}.py")],
        outputs=[s3_output(o, f"/opt/ml/processing/{o}", default_output(step, o)) for o in outputs],
    ))


def trainer(s, step, instance_type="ml.m5.xlarge", max_run=86400, **kwargs):
    return ModelTrainer(
        training_image=IMAGE, role=ROLE, base_job_name=f"{PREFIX}-{step.lower()}", sagemaker_session=s,
        compute=Compute(instance_type=instance_type, instance_count=1, volume_size_in_gb=30, volume_kms_key_id=KEY),
        networking=Networking(subnets=I["subnets"], security_group_ids=[I["securityGroup"]], enable_network_isolation=True,
                              enable_inter_container_traffic_encryption=True),
        stopping_condition=StoppingCondition(max_runtime_in_seconds=max_run),
        output_data_config=OutputDataConfig(s3_output_path=default_output(step, "model"), kms_key_id=KEY),
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
            inputs=[s3_input("input", data, "/opt/ml/processing/input"), code("prep.py")],
            outputs=[
                s3_output("train", "/opt/ml/processing/train", default_output("Prep", "train")),
                s3_output("test", "/opt/ml/processing/test", f"s3://{BUCKET}/oracle/test"),
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
    t = trainer(s, "Train", instance_type=instance_type, max_run=7200, environment={"MODE": "oracle"},
                hyperparameters={"objective": "reg:squarederror", "num_round": "50"})
    t = t.with_metric_definitions([_metric("validation:rmse", "validation-rmse:([0-9\\.]+)")]) if hasattr(t, "with_metric_definitions") else t
    train = TrainingStep(
        name="Train",
        step_args=t.train(input_data_config=[
            InputData(channel_name="train", data_source=outputs["train"].S3Output.S3Uri, content_type="text/csv"),
            InputData(channel_name="validation", data_source=outputs["validation"].S3Output.S3Uri, content_type="text/csv"),
        ]),
        retry_policies=[SageMakerJobStepRetryPolicy(exception_types=[SageMakerJobExceptionTypeEnum.INTERNAL_ERROR], max_attempts=2, interval_seconds=30)],
        cache_config=CacheConfig(enable_caching=True, expire_after="PT12H"),
    )
    return pipeline(s, "training", [prep, train], [instance_type])


def _metric(name, regex):
    from sagemaker.train.configs import MetricDefinition

    return MetricDefinition(name=name, regex=regex)


def case_tuning():
    s = session()
    t = trainer(s, "Tune", hyperparameters={"objective": "binary:logistic"})
    tuner = HyperparameterTuner(
        t, objective_metric_name="validation:auc", objective_type="Maximize", strategy="Random", max_jobs=4, max_parallel_jobs=2,
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
        step_args=tuner.tune(inputs=[InputData(channel_name="train", data_source=f"s3://{BUCKET}/data/train", content_type="text/csv")]),
        retry_policies=[SageMakerJobStepRetryPolicy(exception_types=[SageMakerJobExceptionTypeEnum.RESOURCE_LIMIT], max_attempts=5)],
    )
    return pipeline(s, "tuning", [tune])


def _train(s):
    return TrainingStep(name="Train", step_args=trainer(s, "Train").train(
        input_data_config=[InputData(channel_name="train", data_source=f"s3://{BUCKET}/data/train")]))


def _model_args(s, request):
    """The arguments ModelStep takes: the request PipelineSession intercepted."""
    s.init_model_step_arguments(types.SimpleNamespace(sagemaker_session=s))
    request()
    return s.context


def case_model_transform():
    s = session()
    train = _train(s)
    args = _model_args(s, lambda: s.create_model(
        name=f"{PREFIX}-model-createmodel", role=ROLE,
        container_defs={"Image": IMAGE, "ModelDataUrl": train.properties.ModelArtifacts.S3ModelArtifacts},
        vpc_config={"Subnets": I["subnets"], "SecurityGroupIds": [I["securityGroup"]]}, enable_network_isolation=True,
    ))
    create = ModelStep(name="Model-CreateModel", step_args=args,
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
    args = _model_args(s, lambda: create_model_package_from_containers(
        s, containers=[{"Image": IMAGE, "ModelDataUrl": train.properties.ModelArtifacts.S3ModelArtifacts}],
        content_types=["text/csv"], response_types=["application/json"], inference_instances=["ml.m5.large"],
        transform_instances=["ml.m5.xlarge"], model_package_group_name=I["group"], approval_status="Approved",
        model_metrics=metrics._to_request_dict(), drift_check_baselines=baselines._to_request_dict(), description="oracle model",
    ))
    register = ModelStep(name="Register-RegisterModel", step_args=args,
                         retry_policies=[StepRetryPolicy(exception_types=[StepExceptionTypeEnum.THROTTLING], max_attempts=4)])
    return pipeline(s, "register", [train, register])


def case_checks():
    s = session()
    data = f"s3://{BUCKET}/data/baseline.csv"

    def job(step):
        return CheckJobConfig(
            role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", volume_size_in_gb=30, volume_kms_key=KEY, output_kms_key=KEY,
            max_runtime_in_seconds=86400, base_job_name=f"{PREFIX}-{step}", sagemaker_session=s,
            # No network_config: 3.x puts the NetworkConfig object itself in the request, which does not serialize.
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
            outputs=[s3_output("evaluation", "/opt/ml/processing/evaluation", default_output("Evaluate", "evaluation"))],
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
        inputs=[s3_input("code", f"s3://{BUCKET}/code/drift_check.zip", "/opt/ml/processing/input/code"),
                s3_input("dataset", data, "/opt/ml/processing/input/dataset")],
        outputs=[s3_output("baseline", "/opt/ml/processing/output", default_output("DriftBaseline", "baseline"))],
        arguments=BASELINE_ARGUMENTS,
    ))
    statistics = MetricsSource(content_type="application/json", s3_uri=Join(on="/", values=[
        baseline.properties.ProcessingOutputConfig.Outputs["baseline"].S3Output.S3Uri, "baseline.json"]))
    args = _model_args(s, lambda: create_model_package_from_containers(
        s, containers=[{"Image": IMAGE, "ModelDataUrl": f"s3://{BUCKET}/model/model.tar.gz"}],
        content_types=["text/csv"], response_types=["text/csv"], inference_instances=["ml.m5.large", "ml.m5.xlarge"],
        transform_instances=["ml.m5.xlarge"], model_package_group_name=I["group"], approval_status="PendingManualApproval",
        model_metrics=ModelMetrics(model_data_statistics=statistics)._to_request_dict(),
        drift_check_baselines=DriftCheckBaselines(model_data_statistics=statistics)._to_request_dict(),
    ))
    register = ModelStep(name="Register-RegisterModel", step_args=args)
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
