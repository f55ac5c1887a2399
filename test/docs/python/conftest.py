"""Python examples of the README and docs/, run against the built wheel."""
import os

os.environ.setdefault("AWS_REGION", "us-east-1")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["CDK_DISABLE_CLI_TELEMETRY"] = "true"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"

RAN = {"blocks": 0, "examples": 0}


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(
        f"doc examples: {RAN['blocks']} Python blocks of the README and docs/ executed "
        f"as {RAN['examples']} examples (synth only)"
    )
