"""Offline guard shared by the fixture generators: fake credentials, no instance
metadata, every botocore API call and every socket connection refused (the SDK
2.x ClarifyCheckStep's one S3 PutObject is recorded, not sent), SDK 3.x role
validation off. Import it before the SageMaker SDK."""
import os
import socket

os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ["AWS_ACCESS_KEY_ID"] = "AKIAFIXTUREFAKEKEY00"
os.environ["AWS_SECRET_ACCESS_KEY"] = "fixture-fake-secret"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
os.environ.pop("AWS_PROFILE", None)
os.environ["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
os.environ["SAGEMAKER_VALIDATE_ROLE"] = "false"

import botocore.client  # noqa: E402

RECORDED_PUTS = []


def _refuse(client, operation_name, api_params):
    service = client.meta.service_model.service_name
    if service == "s3" and operation_name == "PutObject":
        RECORDED_PUTS.append(f"s3://{api_params['Bucket']}/{api_params['Key']}")
        return {}
    raise RuntimeError(f"AWS call refused offline: {service}.{operation_name}")


def _no_network(sock, address):
    raise RuntimeError(f"network connection refused offline: {address}")


botocore.client.BaseClient._make_api_call = _refuse
socket.socket.connect = _no_network

REGION = "us-east-1"
ROLE = "arn:aws:iam::111111111111:role/example-pipeline-role"
BUCKET = "example-mlops-artifacts"
GROUP = "example-model-group"
KEY = "arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555"
SUBNETS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
GROUPS = ["sg-0a1b2c3d4e5f60001"]
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
TELEMETRY_OFF = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}}


def write(definition, name):
    import json

    out = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "pipeline", name)
    with open(out, "w") as f:
        json.dump(definition, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.normpath(out)}: {len(definition['Steps'])} top-level steps")
