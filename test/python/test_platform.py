"""A Python team builds the whole MLOps platform, one account and three, with the jsii-built cdk_mlops wheel."""
import aws_cdk as cdk
from aws_cdk import assertions

import cdk_mlops

TOOLING, STAGING, PRODUCTION = "111111111111", "222222222222", "333333333333"


def _app() -> cdk.App:
    return cdk.App(context={"aws:cdk:disable-creation-stack-traces": True})


def test_full_platform_with_defaults():
    stack = cdk.Stack(_app(), "PyPlatform", env=cdk.Environment(account=TOOLING, region="us-east-1"))
    platform = cdk_mlops.MlopsPlatform(stack, "Platform")
    template = assertions.Template.from_stack(stack)

    assert platform.layers == [
        cdk_mlops.PlatformLayer.NETWORK, cdk_mlops.PlatformLayer.EXPLORATION, cdk_mlops.PlatformLayer.REGISTRY,
        cdk_mlops.PlatformLayer.PIPELINE, cdk_mlops.PlatformLayer.CI, cdk_mlops.PlatformLayer.DEPLOYMENT,
        cdk_mlops.PlatformLayer.MONITORING,
    ]
    for resource_type in ["AWS::SageMaker::Domain", "AWS::SageMaker::ModelPackageGroup", "AWS::SageMaker::Pipeline",
                          "AWS::CodePipeline::Pipeline"]:
        template.resource_count_is(resource_type, 1)
    endpoints = platform.endpoint_service_names
    assert len(endpoints) == len(set(endpoints))
    assert "studio" in endpoints and "codebuild" in endpoints

    report = cdk_mlops.CostReport.from_stack(stack)
    assert report.total_monthly_usd > 0
    assert abs(sum(report.monthly_usd_of(layer) for layer in report.layers) - report.total_monthly_usd) < 0.05


def test_subset_without_studio_and_ci():
    stack = cdk.Stack(_app(), "PySubset", env=cdk.Environment(account=TOOLING, region="us-east-1"))
    platform = cdk_mlops.MlopsPlatform(
        stack, "Platform",
        layers=[cdk_mlops.PlatformLayer.PIPELINE, cdk_mlops.PlatformLayer.DEPLOYMENT, cdk_mlops.PlatformLayer.MONITORING],
        network_options=cdk_mlops.PlatformNetworkOptions(max_azs=3),
    )
    template = assertions.Template.from_stack(stack)
    template.resource_count_is("AWS::SageMaker::Domain", 0)
    assert "studio" not in platform.endpoint_service_names
    assert platform.ci is None


def test_multi_account_topology():
    app = _app()
    accounts = cdk_mlops.MlopsAccounts(
        app, "Mlops", tooling_account_id=TOOLING, region="us-east-1",
        targets=[
            cdk_mlops.MlopsTargetAccount(stage_name="staging", account_id=STAGING),
            cdk_mlops.MlopsTargetAccount(stage_name="production", account_id=PRODUCTION, approval_required=True),
        ],
    )
    assert accounts.target_account_ids == [STAGING, PRODUCTION]
    tooling = assertions.Template.from_stack(accounts.tooling_stack)
    groups = tooling.find_resources("AWS::SageMaker::ModelPackageGroup")
    policy = str(list(groups.values())[0]["Properties"]["ModelPackageGroupPolicy"])
    assert STAGING in policy and PRODUCTION in policy
    for stack, account in zip(accounts.target_stacks, [STAGING, PRODUCTION]):
        assert stack.account == account
        assertions.Template.from_stack(stack).has_resource_properties("AWS::IAM::Role", {"RoleName": "cdk-mlops-deployer"})
