"""Shared by the SDK-oracle tests: the offline guard, the inputs, our rendered
definitions, the semantic diff and the listed divergences.

Offline: fake credentials, no instance metadata, every botocore API call and
every socket connection refused. The one exception is the S3 PutObject the SDK
2.x ClarifyCheckStep makes while it is built (it uploads its
analysis_config.json): it is recorded, not sent.
"""
import json
import os
import re
import socket

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
OURS = os.path.join(ROOT, "test-out", "sdk-oracle", "ours")
DIVERGENCES = os.path.join(ROOT, "test", "contracts", "divergences.json")

with open(os.path.join(HERE, "inputs.json")) as _f:
    INPUTS = json.load(_f)

RECORDED_PUTS = []


def install_guard():
    """Refuse every AWS call and every network connection from here on."""
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    os.environ["AWS_ACCESS_KEY_ID"] = "AKIAORACLEFAKEKEY000"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "oracle-fake-secret"
    os.environ["AWS_DEFAULT_REGION"] = INPUTS["region"]
    os.environ.pop("AWS_PROFILE", None)
    os.environ["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
    # SDK 3.x checks the role with iam:SimulatePrincipalPolicy unless told not to.
    os.environ["SAGEMAKER_VALIDATE_ROLE"] = "false"
    import botocore.client

    def refuse(client, operation_name, api_params):
        service = client.meta.service_model.service_name
        if service == "s3" and operation_name == "PutObject":
            RECORDED_PUTS.append(f"s3://{api_params['Bucket']}/{api_params['Key']}")
            return {}
        raise RuntimeError(f"AWS call refused offline: {service}.{operation_name}")

    botocore.client.BaseClient._make_api_call = refuse

    def connect(sock, address):
        raise RuntimeError(f"network connection refused offline: {address}")

    socket.socket.connect = connect


def ours(case):
    """Our rendered definition of a case (written by test/contracts/sdk/sdk-cases.test.ts)."""
    path = os.path.join(OURS, f"{case}.json")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing: run `npx jest test/contracts/sdk` first (scripts/test.sh does)")
    with open(path) as f:
        return json.load(f)


def case_names():
    with open(os.path.join(HERE, "cases.ts")) as f:
        text = f.read()
    body = text[text.index("export const CASES"):text.index("/** Render a case")]
    return re.findall(r"^  '?([a-z-]+)'?: \([^)]*\) =>", body, re.M)


def _label(node):
    """How a step is named in a diff path: by its type, so divergences hold for any step name."""
    return node.get("Type", "?") if isinstance(node, dict) else "?"


def diff(ours_value, sdk_value, path=""):
    """Semantic differences (key order does not count; 2 == 2.0), as (path, ours, sdk).

    Lists of steps are matched by step name and labelled with the step's Type,
    e.g. `Steps[Training].Arguments.TrainingJobName`; a value missing on one
    side is `<absent>`.
    """
    out = []
    if isinstance(ours_value, dict) and isinstance(sdk_value, dict):
        for key in sorted(set(ours_value) | set(sdk_value)):
            sub = f"{path}.{key}" if path else key
            if key not in ours_value:
                out.append((sub, "<absent>", sdk_value[key]))
            elif key not in sdk_value:
                out.append((sub, ours_value[key], "<absent>"))
            else:
                out.extend(diff(ours_value[key], sdk_value[key], sub))
        return out
    if isinstance(ours_value, list) and isinstance(sdk_value, list):
        if _is_steps(ours_value) and _is_steps(sdk_value):
            by_name = {s["Name"]: s for s in sdk_value}
            ours_names = [s["Name"] for s in ours_value]
            if ours_names != [s["Name"] for s in sdk_value]:
                out.append((f"{path}[*].Name", ours_names, [s["Name"] for s in sdk_value]))
            for step in ours_value:
                if step["Name"] in by_name:
                    out.extend(diff(step, by_name[step["Name"]], f"{path}[{_label(step)}]"))
            return out
        if len(ours_value) != len(sdk_value):
            return [(path, ours_value, sdk_value)]
        for i, (a, b) in enumerate(zip(ours_value, sdk_value)):
            out.extend(diff(a, b, f"{path}[{i}]"))
        return out
    if isinstance(ours_value, bool) or isinstance(sdk_value, bool):
        same = type(ours_value) is type(sdk_value) and ours_value == sdk_value
    else:
        same = ours_value == sdk_value
    return out if same else [(path, ours_value, sdk_value)]


def _is_steps(value):
    return bool(value) and all(isinstance(v, dict) and isinstance(v.get("Name"), str) and isinstance(v.get("Type"), str) for v in value)


def sdk_divergences(major):
    """The listed divergences from SDK `major` ('2.x' or '3.x'): (entry, [path globs])."""
    with open(DIVERGENCES) as f:
        listed = json.load(f)["sdk"]
    out = []
    for entry in listed:
        where = entry["where"]
        if not where.startswith("sdk "):
            continue
        majors, _, globs = where[len("sdk "):].partition(": ")
        if major in [m.strip() for m in majors.split("+")]:
            out.append((entry, [g.strip() for g in globs.split(" | ")]))
    return out


def glob_match(path, glob):
    """`*` matches any run of characters; everything else (brackets included) is literal."""
    return re.fullmatch(".*".join(re.escape(part) for part in glob.split("*")), path) is not None


def explained(path, divergences):
    """The divergences whose path globs match a diff path."""
    return [entry["what"] for entry, globs in divergences if any(glob_match(path, g) for g in globs)]
