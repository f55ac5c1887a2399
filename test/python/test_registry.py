"""A Python team builds a shared model registry with the jsii-built cdk_mlops wheel."""
import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

import cdk_mlops

OWNER = "111111111111"
STAGING = "222222222222"
PROD = "333333333333"


def _stack() -> cdk.Stack:
    app = cdk.App(context={"aws:cdk:disable-creation-stack-traces": True})
    return cdk.Stack(app, "PyRegistry", env=cdk.Environment(account=OWNER, region="us-east-1"))


def _accounts(fragment) -> list:
    import json
    import re
    return sorted(set(re.findall(r"iam::(\d{12}):root", json.dumps(fragment))))


def test_default_registry_is_a_retained_model_package_group():
    stack = _stack()
    registry = cdk_mlops.ModelRegistry(stack, "Registry")

    template = assertions.Template.from_stack(stack)
    template.resource_count_is("AWS::SageMaker::ModelPackageGroup", 1)
    template.has_resource("AWS::SageMaker::ModelPackageGroup", {
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
    })
    assert registry.consumer_account_ids == []
    assert registry.model_package_group_name.startswith("pyregistry")


def test_shared_registry_keeps_group_bucket_and_key_policies_in_step():
    stack = _stack()
    registry = cdk_mlops.ModelRegistry(
        stack, "Registry",
        model_package_group_name="churn-models",
        description="Churn models",
        consumer_account_ids=[STAGING],
        tags={"team": "risk"},
    )
    key = kms.Key(stack, "ArtifactKey", enable_key_rotation=True)
    bucket = s3.Bucket(stack, "Artifacts", encryption_key=key, enforce_ssl=True)
    shared = registry.share_artifact_bucket(bucket)
    registry.add_consumer_account(PROD)
    assert shared.statement_added

    template = assertions.Template.from_stack(stack)
    group = list(template.find_resources("AWS::SageMaker::ModelPackageGroup").values())[0]
    bucket_policy = list(template.find_resources("AWS::S3::BucketPolicy").values())[0]
    key_resource = list(template.find_resources("AWS::KMS::Key").values())[0]
    decrypt = [s for s in key_resource["Properties"]["KeyPolicy"]["Statement"]
               if str(s.get("Sid", "")).startswith("ModelRegistryConsumersDecrypt")]

    assert _accounts(group["Properties"]["ModelPackageGroupPolicy"]) == [STAGING, PROD]
    assert _accounts(bucket_policy["Properties"]["PolicyDocument"]) == [STAGING, PROD]
    assert _accounts(decrypt) == [STAGING, PROD]
    assert group["Properties"]["ModelPackageGroupName"] == "churn-models"


def test_grants_and_approval_events_from_python():
    stack = _stack()
    registry = cdk_mlops.ModelRegistry(stack, "Registry", model_package_group_name="churn-models")
    approver = iam.Role(stack, "Approver", assumed_by=iam.AccountRootPrincipal())
    registry.grant_approve(approver)
    registry.on_model_approved("Approved", description="deploy approved churn models")

    template = assertions.Template.from_stack(stack)
    template.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": {
            "source": ["aws.sagemaker"],
            "detail-type": ["SageMaker Model Package State Change"],
            "detail": {
                "ModelPackageGroupName": ["churn-models"],
                "ModelApprovalStatus": ["Approved"],
            },
        },
    })
    template.has_resource_properties("AWS::IAM::Policy", {
        "PolicyDocument": {
            "Statement": assertions.Match.array_with([
                assertions.Match.object_like({
                    "Action": ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:UpdateModelPackage"],
                }),
            ]),
        },
    })


def test_import_by_arn_and_by_name():
    stack = _stack()
    shared = cdk_mlops.ModelRegistry.from_model_package_group_arn(
        stack, "Shared", f"arn:aws:sagemaker:eu-west-1:{PROD}:model-package-group/fraud-models")
    local = cdk_mlops.ModelRegistry.from_model_package_group_name(stack, "Local", "churn-models")
    assert shared.model_package_group_name == "fraud-models"
    assert shared.env.account == PROD
    assert local.model_package_group_name == "churn-models"


def test_bad_input_raises_a_validation_error_naming_the_prop():
    stack = _stack()
    with pytest.raises(Exception) as info:
        cdk_mlops.ModelRegistry(stack, "Registry", consumer_account_ids=[OWNER])
    assert "consumerAccountIds[0]: got '111111111111'" in str(info.value)
