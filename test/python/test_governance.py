"""A Python platform team applies the MlopsChecks rule pack and the SageMakerGuardrail."""
import json
import os
import tempfile
import typing

import aws_cdk as cdk
from aws_cdk import assertions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
import pytest

import cdk_mlops

ROLE = "arn:aws:iam::111111111111:role/studio"
CONTEXT = {
    "aws:cdk:disable-creation-stack-traces": True,
    # Report instead of failing synth, so the test can read the report.
    "@aws-cdk/core:failSynthOnValidationErrors": False,
}


def _report(app: cdk.App) -> dict:
    assembly = app.synth()
    with open(os.path.join(assembly.directory, "validation-report.json")) as f:
        report = json.load(f)
    mine = [r for r in report["pluginReports"] if r["pluginName"] == "MlopsChecks"]
    return mine[0] if mine else {"violations": []}


def _found(report: dict) -> typing.List[str]:
    return sorted(
        f"{v['ruleName']} {c['constructPath']}"
        for v in report.get("violations", [])
        for c in v["violatingConstructs"]
    )


def _domain(stack: cdk.Stack, name: str, **extra) -> sagemaker.CfnDomain:
    return sagemaker.CfnDomain(
        stack, name,
        auth_mode="IAM", domain_name=name.lower(), vpc_id="vpc-1", subnet_ids=["subnet-1"],
        default_user_settings=sagemaker.CfnDomain.UserSettingsProperty(execution_role=ROLE),
        **extra,
    )


def test_rule_pack_reports_a_public_domain_and_honours_an_acknowledgement():
    app = cdk.App(outdir=tempfile.mkdtemp(), context=CONTEXT)
    cdk.Validations.of(app).add_plugins(cdk_mlops.MlopsChecks(allowed_account_ids=["222222222222"]))
    stack = cdk.Stack(app, "Studio")
    _domain(stack, "Public", kms_key_id="arn:aws:kms:us-east-1:111111111111:key/1")
    sandbox = _domain(stack, "Sandbox", kms_key_id="arn:aws:kms:us-east-1:111111111111:key/1")
    cdk.Validations.of(sandbox).acknowledge(cdk.Acknowledgment(id="MLOPS-SM-001", reason="Sandbox domain without data."))
    _domain(stack, "Secure", app_network_access_type="VpcOnly", kms_key_id="arn:aws:kms:us-east-1:111111111111:key/1")

    report = _report(app)

    assert _found(report) == ["MLOPS-SM-001 Studio/Public"]
    assert report["metadata"]["acknowledged"] == "1"


class NoNotebookInstances(cdk_mlops.MlopsRule):
    """A team's own rule, written in Python."""

    def __init__(self) -> None:
        super().__init__(
            id="ACME-001", description="No notebook instances.", fix="Use Studio.",
            resource_types=["AWS::SageMaker::NotebookInstance"], severity=cdk_mlops.MlopsRuleSeverity.WARNING,
        )

    def evaluate(self, resource: cdk_mlops.TemplateResource) -> typing.List[cdk_mlops.RuleFinding]:
        name = resource.string_property("NotebookInstanceName") or resource.logical_id
        return [cdk_mlops.RuleFinding(message=f"notebook {name}", location="Properties/NotebookInstanceName")]


def test_custom_python_rule_runs_next_to_the_built_in_rules():
    app = cdk.App(outdir=tempfile.mkdtemp(), context=CONTEXT)
    rules = cdk_mlops.MlopsChecks.built_in_rules() + [NoNotebookInstances()]
    cdk.Validations.of(app).add_plugins(cdk_mlops.MlopsChecks(rules=rules, exclude=["MLOPS-SM-002"]))
    stack = cdk.Stack(app, "Legacy")
    sagemaker.CfnNotebookInstance(stack, "Notebook", instance_type="ml.t3.medium", role_arn=ROLE, notebook_instance_name="old")

    report = _report(app)

    assert _found(report) == ["ACME-001 Legacy/Notebook"]
    assert report["conclusion"] == "success"
    assert "notebook old" in report["violations"][0]["description"]


def test_guardrail_builds_a_managed_policy_and_an_scp():
    app = cdk.App(context={"aws:cdk:disable-creation-stack-traces": True})
    stack = cdk.Stack(app, "Guardrails", env=cdk.Environment(account="111111111111", region="us-east-1"))
    role = iam.Role(stack, "DataScientist", assumed_by=iam.AccountRootPrincipal())
    guardrail = cdk_mlops.SageMakerGuardrail(
        stack, "Guardrail",
        roles=[role],
        exempt_principal_arns=["arn:aws:iam::*:role/MlopsBreakGlass"],
        require_network_isolation=False,
    )

    template = assertions.Template.from_stack(stack)
    policy = list(template.find_resources("AWS::IAM::ManagedPolicy").values())[0]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert all(s["Effect"] == "Deny" for s in statements)
    assert "DenyTrainingWithoutIsolation" not in [s["Sid"] for s in statements]
    vpc = [s for s in statements if s["Sid"] == "DenyWithoutVpc"][0]
    assert vpc["Condition"]["Null"] == {"sagemaker:VpcSubnets": "true"}
    assert vpc["Condition"]["ArnNotLike"] == {"aws:PrincipalArn": ["arn:aws:iam::*:role/MlopsBreakGlass"]}
    template.has_resource_properties("AWS::IAM::Role", {"ManagedPolicyArns": assertions.Match.any_value()})

    scp = guardrail.to_scp_json()
    assert len(scp) < 5120
    assert json.loads(scp)["Statement"] == statements


def test_invalid_guardrail_props_name_the_prop():
    stack = cdk.Stack(cdk.App(), "Bad")
    with pytest.raises(Exception) as info:
        cdk_mlops.SageMakerGuardrail(stack, "Guardrail", exempt_principal_arns=["MlopsBreakGlass"])
    assert "exemptPrincipalArns[0]: got 'MlopsBreakGlass'" in str(info.value)
    with pytest.raises(Exception) as info:
        cdk_mlops.MlopsChecks(allowed_account_ids=["1234"])
    assert "allowedAccountIds[0]" in str(info.value)
