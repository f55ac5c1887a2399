"""Each job step's Arguments against the botocore request shape of its job.

Our rendered cases (test-out/sdk-oracle/ours) and the SDK-generated fixtures
of test/fixtures/pipeline must be valid CreateTrainingJob,
CreateProcessingJob, CreateHyperParameterTuningJob, CreateTransformJob,
CreateModel and CreateModelPackage requests (the job name, which SageMaker
Pipelines sets, may be absent). Also: the constants the library's import
validation takes from botocore still equal botocore's model.
"""
import glob
import json
import os
import re

import botocore
import pytest

from botocore_shapes import STEP_REQUESTS, service_model, validate_step_arguments
from oracle_common import ROOT, case_names, ours

FIXTURES = sorted(glob.glob(os.path.join(ROOT, "test", "fixtures", "pipeline", "sdk*.json")))


def job_steps(definition):
    """Every job step at any depth (any nested list of steps)."""
    out = []

    def visit(steps, path):
        for step in steps or []:
            at = f"{path}[{step.get('Name')}]"
            if step.get("Type") in STEP_REQUESTS:
                out.append((at, step))
            for key, value in (step.get("Arguments") or {}).items():
                if isinstance(value, list) and value and all(isinstance(v, dict) and "Name" in v and "Type" in v for v in value):
                    visit(value, f"{at}.Arguments.{key}")

    visit(definition.get("Steps"), "Steps")
    return out


def problems_of(definition):
    found = []
    for at, step in job_steps(definition):
        found += validate_step_arguments(step["Type"], step["Arguments"], f"{at}.Arguments")
    return found


def test_botocore_version_is_the_pinned_one():
    with open(os.path.join(ROOT, "test", "contracts", "requirements-sdk2.txt")) as f:
        pinned = re.search(r"^botocore==(\S+)$", f.read(), re.M).group(1)
    assert botocore.__version__ == pinned


@pytest.mark.parametrize("case", case_names())
def test_our_step_arguments_are_valid_requests(case):
    definition = ours(case)
    assert job_steps(definition), f"case {case} has no job step"
    assert problems_of(definition) == []


@pytest.mark.parametrize("fixture", [os.path.basename(f) for f in FIXTURES])
def test_sdk_fixture_step_arguments_are_valid_requests(fixture):
    with open(os.path.join(ROOT, "test", "fixtures", "pipeline", fixture)) as f:
        assert problems_of(json.load(f)) == []


def _processing():
    definition = ours("processing")
    return definition, next(s for _, s in job_steps(definition) if s["Type"] == "Processing")


def test_fails_when_arguments_have_an_unknown_member():
    definition, step = _processing()
    step["Arguments"]["ProcessingResources"]["ClusterConfig"]["VolumeKmsKey"] = "k"
    assert problems_of(definition) == [
        "Steps[Prep].Arguments.ProcessingResources.ClusterConfig.VolumeKmsKey: not a member of ProcessingClusterConfig"]


def test_fails_when_a_required_member_is_missing_or_a_value_breaks_the_model():
    definition, step = _processing()
    del step["Arguments"]["RoleArn"]
    step["Arguments"]["ProcessingInputs"][0]["S3Input"]["S3InputMode"] = "Stream"
    step["Arguments"]["Environment"]["STAGE"] = "x" * 300
    step["Arguments"]["ProcessingOutputConfig"]["Outputs"][1]["S3Output"]["S3Uri"] = "S3://oracle-artifacts/oracle/test"
    found = problems_of(definition)
    assert "Steps[Prep].Arguments.RoleArn: required by CreateProcessingJobRequest, missing" in found
    assert any(p.startswith("Steps[Prep].Arguments.ProcessingInputs[0].S3Input.S3InputMode: 'Stream' is not one of") for p in found)
    assert "Steps[Prep].Arguments.Environment.STAGE: 300 characters is above the maximum 256 of ProcessingEnvironmentValue" in found
    assert any(p.startswith("Steps[Prep].Arguments.ProcessingOutputConfig.Outputs[1].S3Output.S3Uri: 'S3://") for p in found)
    assert len(found) == 4


def test_fails_when_an_emr_step_config_breaks_the_emr_model():
    definition = ours("integrations")
    step = next(s for _, s in job_steps(definition) if s["Type"] == "EMR")
    step["Arguments"]["StepConfig"]["HadoopJarStep"]["Jars"] = "x.jar"
    step["Arguments"]["StepConfig"]["ActionOnFailure"] = "STOP"
    found = problems_of(definition)
    assert "Steps[Spark].Arguments.StepConfig.HadoopJarStep.Jars: not a member of HadoopJarStepConfig" in found
    assert any(p.startswith("Steps[Spark].Arguments.StepConfig.ActionOnFailure: 'STOP' is not one of") for p in found)
    assert len(found) == 2


def test_fails_when_a_run_time_value_stands_for_a_structure():
    definition, step = _processing()
    step["Arguments"]["NetworkConfig"] = {"Get": "Parameters.Network"}
    assert problems_of(definition) == [
        "Steps[Prep].Arguments.NetworkConfig: a run-time value where botocore expects a structure (NetworkConfig)"]


def _ts_constant(name):
    with open(os.path.join(ROOT, "src", "pipeline", "definition-import.ts")) as f:
        text = f.read()
    m = re.search(rf"export const {name} = (.+?);\n", text, re.S)
    return json.loads(m.group(1).replace("'", '"'))


def test_import_validation_uses_botocores_s3_uri_and_role_arn_patterns():
    model = service_model()
    assert _ts_constant("S3_URI_PATTERN") == model.shape_for("S3Uri").metadata["pattern"]
    assert _ts_constant("ROLE_ARN_PATTERN") == model.shape_for("RoleArn").metadata["pattern"]


def test_import_validation_checks_every_member_with_the_s3_uri_pattern():
    model = service_model()
    pattern = model.shape_for("S3Uri").metadata["pattern"]
    members = set()

    def walk(shape, seen):
        if shape.name in seen:
            return
        seen = seen | {shape.name}
        if shape.type_name == "structure":
            for key, member in shape.members.items():
                if member.type_name == "string" and member.metadata.get("pattern") == pattern:
                    members.add(key)
                walk(member, seen)
        elif shape.type_name == "list":
            walk(shape.member, seen)
        elif shape.type_name == "map":
            walk(shape.value, seen)

    for operation, _ in set(STEP_REQUESTS.values()):
        if not operation.startswith("emr:"):
            walk(model.operation_model(operation).input_shape, frozenset())
    assert sorted(members) == sorted(_ts_constant("S3_URI_MEMBERS"))
