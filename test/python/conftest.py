"""Shared set-up for the Python consumer tests: offline, no telemetry."""
import os

os.environ.setdefault("AWS_REGION", "us-east-1")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["CDK_DISABLE_CLI_TELEMETRY"] = "true"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
