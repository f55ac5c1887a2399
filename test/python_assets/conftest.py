"""pytest setup for the drift check shipped in assets/drift_check.

Makes ``driftcheck`` importable and keeps every test off the network: AWS
credentials are fake, the region is fixed, instance metadata is disabled.
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ASSET = os.path.abspath(os.path.join(HERE, "..", "..", "assets", "drift_check"))
sys.path.insert(0, ASSET)
sys.path.insert(0, HERE)


@pytest.fixture(autouse=True)
def _offline_aws(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in list(os.environ):
        if name.startswith("DRIFT_") or name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def asset_dir():
    return ASSET
