"""Validate a value against a botocore input shape (the service's request model).

Checks, recursively: members exist, required members are present, types,
enums, string lengths and patterns (matched against the whole value), numeric
ranges, list and map sizes, map keys and values. A pipeline expression
(`{"Get": ...}`, `{"Std:Join": ...}`, `{"Std:JsonGet": ...}`) stands for a value
resolved at run time and is accepted wherever a scalar is.
"""
import re

import botocore.session

_MODELS = {}


def service_model(service="sagemaker"):
    if service not in _MODELS:
        _MODELS[service] = botocore.session.get_session().get_service_model(service)
    return _MODELS[service]


def is_expression(value):
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Get", "Std:Join", "Std:JsonGet")


_PATTERNS = {}


def _pattern(text):
    if text not in _PATTERNS:
        try:
            _PATTERNS[text] = re.compile(text, re.S)
        except re.error:
            _PATTERNS[text] = None  # a Java-only construct (e.g. \p{...}): not checked
    return _PATTERNS[text]


def validate(value, shape, path, skip_required=()):
    """Problems of `value` against botocore `shape`, as strings `<path>: <problem>`."""
    problems = []
    t = shape.type_name
    if is_expression(value):
        if t in ("structure", "list", "map"):
            problems.append(f"{path}: a run-time value where botocore expects a {t} ({shape.name})")
        return problems
    if t == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected a structure ({shape.name}), got {type(value).__name__}"]
        for key in value:
            if key not in shape.members:
                problems.append(f"{path}.{key}: not a member of {shape.name}")
        for req in shape.required_members:
            if req not in value and f"{path}.{req}" not in skip_required:
                problems.append(f"{path}.{req}: required by {shape.name}, missing")
        for key, member in shape.members.items():
            if key in value:
                problems += validate(value[key], member, f"{path}.{key}", skip_required)
    elif t == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list ({shape.name}), got {type(value).__name__}"]
        problems += _bounds(len(value), shape, path, "items")
        for i, item in enumerate(value):
            problems += validate(item, shape.member, f"{path}[{i}]", skip_required)
    elif t == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected a map ({shape.name}), got {type(value).__name__}"]
        problems += _bounds(len(value), shape, path, "entries")
        for k, v in value.items():
            problems += validate(k, shape.key, f"{path}<key {k}>", skip_required)
            problems += validate(v, shape.value, f"{path}.{k}", skip_required)
    elif t == "string":
        if not isinstance(value, str):
            return [f"{path}: expected a string ({shape.name}), got {value!r}"]
        enum = shape.enum
        if enum and value not in enum:
            problems.append(f"{path}: {value!r} is not one of {shape.name} {enum}")
        problems += _bounds(len(value), shape, path, "characters")
        pattern = shape.metadata.get("pattern")
        if pattern is not None and _pattern(pattern) is not None and not _pattern(pattern).fullmatch(value):
            problems.append(f"{path}: {value!r} does not match {shape.name} pattern {pattern}")
    elif t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return [f"{path}: expected an integer ({shape.name}), got {value!r}"]
        problems += _bounds(value, shape, path, "")
    elif t in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [f"{path}: expected a number ({shape.name}), got {value!r}"]
        problems += _bounds(value, shape, path, "")
    elif t == "boolean":
        if not isinstance(value, bool):
            return [f"{path}: expected a boolean ({shape.name}), got {value!r}"]
    elif t == "timestamp":
        if not isinstance(value, (str, int, float)):
            return [f"{path}: expected a timestamp ({shape.name}), got {value!r}"]
    return problems


def _bounds(n, shape, path, unit):
    out = []
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and n < low:
        out.append(f"{path}: {n} {unit} is below the minimum {low} of {shape.name}".replace("  ", " "))
    if high is not None and n > high:
        out.append(f"{path}: {n} {unit} is above the maximum {high} of {shape.name}".replace("  ", " "))
    return out


# The request each job step's Arguments is, and the name field SageMaker Pipelines sets itself.
STEP_REQUESTS = {
    "Training": ("CreateTrainingJob", "TrainingJobName"),
    "Processing": ("CreateProcessingJob", "ProcessingJobName"),
    "QualityCheck": ("CreateProcessingJob", "ProcessingJobName"),
    "ClarifyCheck": ("CreateProcessingJob", "ProcessingJobName"),
    "Tuning": ("CreateHyperParameterTuningJob", "HyperParameterTuningJobName"),
    "Transform": ("CreateTransformJob", "TransformJobName"),
    "Model": ("CreateModel", "ModelName"),
    "RegisterModel": ("CreateModelPackage", None),
    # EMR steps: AddJobFlowSteps of one step on the cluster; SageMaker Pipelines names the EMR step.
    "EMR": ("emr:AddJobFlowSteps", None),
}


def validate_step_arguments(step_type, arguments, where):
    """Problems of a job step's Arguments against its botocore request shape."""
    operation, service_set_name = STEP_REQUESTS[step_type]
    if step_type == "EMR":
        request = {"JobFlowId": arguments.get("ClusterId"), "Steps": [arguments.get("StepConfig")]}
        extra = [f"{where}.{k}: not an argument of EMR steps" for k in arguments if k not in ("ClusterId", "StepConfig")]
        shape = service_model("emr").operation_model("AddJobFlowSteps").input_shape
        found = validate(request, shape, where, {f"{where}.Steps[0].Name"})
        return extra + [p.replace(f"{where}.JobFlowId", f"{where}.ClusterId").replace(f"{where}.Steps[0]", f"{where}.StepConfig") for p in found]
    shape = service_model().operation_model(operation).input_shape
    skip = {f"{where}.{service_set_name}"} if service_set_name else set()
    return validate(arguments, shape, where, skip)
