"""The drift baseline step written with the SageMaker Python SDK (2.x), for a definition
imported with PipelineDefinition.fromFile(). A snippet, not a script: `role`,
`sklearn_image_uri` and `training_data` are your pipeline's. It is documentation and is not
run by CI; the typed DriftBaselineStep whose container command it mirrors is tested
(test/monitoring, test/python_assets)."""
from sagemaker.network import NetworkConfig
from sagemaker.processing import ProcessingInput, ProcessingOutput, Processor
from sagemaker.workflow.functions import Join
from sagemaker.workflow.steps import ProcessingStep
from sagemaker.drift_check_baselines import DriftCheckBaselines
from sagemaker.model_metrics import MetricsSource, ModelMetrics

LAUNCHER = ("import glob,runpy,sys;sys.path.insert(0,sorted(glob.glob('/opt/ml/processing/input/code/*.zip'))[0]);"
            "runpy.run_module('driftcheck',run_name='__main__',alter_sys=True)")
processor = Processor(
    role=role, image_uri=sklearn_image_uri,  # sagemaker-scikit-learn:1.2-1-cpu-py3 of the region
    instance_count=1, instance_type="ml.m5.xlarge",
    entrypoint=["python3", "-c", LAUNCHER, "baseline"],
    network_config=NetworkConfig(enable_network_isolation=True, encrypt_inter_container_traffic=True),
)
baseline_step = ProcessingStep(
    name="DriftBaseline", processor=processor,
    inputs=[ProcessingInput(source="s3://<bucket>/<prefix>/drift_check.zip", destination="/opt/ml/processing/input/code"),
            ProcessingInput(source=training_data, destination="/opt/ml/processing/input/dataset")],
    outputs=[ProcessingOutput(output_name="baseline", source="/opt/ml/processing/output")],
    job_arguments=["--dataset", "/opt/ml/processing/input/dataset",
                   "--output", "/opt/ml/processing/output/baseline.json",
                   "--no-header", "--label-column", "c0"],
)
statistics = MetricsSource(content_type="application/json", s3_uri=Join(on="/", values=[
    baseline_step.properties.ProcessingOutputConfig.Outputs["baseline"].S3Output.S3Uri, "baseline.json"]))
# RegisterModel(..., drift_check_baselines=DriftCheckBaselines(model_data_statistics=statistics),
#               model_metrics=ModelMetrics(model_data_statistics=statistics))
