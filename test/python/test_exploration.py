"""A Python data-science team builds a secure Studio domain with the jsii-built cdk_mlops wheel."""
import json

import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from aws_cdk import aws_iam as iam

import cdk_mlops


def _stack() -> cdk.Stack:
    app = cdk.App(context={"aws:cdk:disable-creation-stack-traces": True})
    return cdk.Stack(app, "PyExplore", env=cdk.Environment(account="111111111111", region="us-east-1"))


def _statements(template: assertions.Template) -> list:
    policies = template.find_resources("AWS::IAM::ManagedPolicy")
    return [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]


def test_default_domain_is_vpc_only_encrypted_with_idle_shutdown_and_mlflow():
    stack = _stack()
    network = cdk_mlops.SecureMlNetwork(stack, "Network")
    domain = cdk_mlops.ExplorationDomain(
        stack, "Studio",
        network=network,
        user_profiles=[cdk_mlops.StudioUserProfileOptions(user_profile_name="alice")],
    )
    domain.add_user_profile(user_profile_name="bob")

    template = assertions.Template.from_stack(stack)
    template.has_resource("AWS::SageMaker::Domain", {
        "Properties": assertions.Match.object_like({
            "AppNetworkAccessType": "VpcOnly",
            "AuthMode": "IAM",
            "DefaultUserSettings": assertions.Match.object_like({
                "JupyterLabAppSettings": assertions.Match.object_like({
                    "AppLifecycleManagement": {"IdleSettings": assertions.Match.object_like({
                        "LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 60,
                    })},
                }),
            }),
        }),
        "DeletionPolicy": "Retain",
    })
    template.resource_count_is("AWS::SageMaker::UserProfile", 2)
    template.resource_count_is("AWS::SageMaker::MlflowApp", 1)
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    assert sorted(domain.user_profile_names) == ["alice", "bob"]
    assert domain.auth_mode == cdk_mlops.AuthMode.IAM
    assert network.has_endpoint(cdk_mlops.MlEndpointService.SAGEMAKER_STUDIO)


def test_sso_domain_with_allowed_instance_types_and_a_tracking_server():
    stack = _stack()
    network = cdk_mlops.SecureMlNetwork(stack, "Network")
    registry = cdk_mlops.ModelRegistry(stack, "Registry")
    cdk_mlops.ExplorationDomain(
        stack, "Studio",
        network=network,
        auth_mode=cdk_mlops.AuthMode.SSO,
        idle_timeout=cdk.Duration.hours(2),
        app_instance_types=[cdk_mlops.MlInstanceType.ML_T3_MEDIUM, cdk_mlops.MlInstanceType.of("ml.m6i.large")],
        dev_endpoint_instance_types=[cdk_mlops.MlInstanceType.ML_M5_LARGE],
        registry=registry,
        experiment_tracking=cdk_mlops.ExperimentTracking.mlflow_tracking_server(
            size=cdk_mlops.MlflowTrackingServerSize.SMALL, automatic_model_registration=True,
        ),
        user_profiles=[cdk_mlops.StudioUserProfileOptions(user_profile_name="alice", sso_user_name="alice@example.com")],
    )

    template = assertions.Template.from_stack(stack)
    template.has_resource_properties("AWS::SageMaker::Domain", {"AuthMode": "SSO"})
    template.has_resource_properties("AWS::SageMaker::UserProfile", {
        "SingleSignOnUserIdentifier": "UserName", "SingleSignOnUserValue": "alice@example.com",
    })
    template.has_resource_properties("AWS::SageMaker::MlflowTrackingServer", {"AutomaticModelRegistration": True})
    by_sid = {s.get("Sid"): s for s in _statements(template)}
    assert by_sid["StudioCreateAppsOfAllowedTypes"]["Condition"]["ForAllValues:StringEquals"]["sagemaker:InstanceTypes"] == [
        "ml.t3.medium", "ml.m6i.large", "system",
    ]
    assert by_sid["DevEndpointConfigsOfAllowedTypes"]["Condition"]["StringEquals"] == {"aws:RequestTag/mlops:stage": "dev"}
    assert "sagemaker:DescribeModelPackage" in json.dumps(_statements(template))


def test_bad_input_names_the_prop_and_the_fix():
    stack = _stack()
    network = cdk_mlops.SecureMlNetwork(stack, "Network")
    with pytest.raises(Exception) as error:
        cdk_mlops.ExplorationDomain(
            stack, "Studio",
            network=network,
            idle_timeout=cdk.Duration.minutes(10),
            auth_mode=cdk_mlops.AuthMode.SSO,
            user_profiles=[cdk_mlops.StudioUserProfileOptions(user_profile_name="alice")],
        )
    message = str(error.value)
    assert "idleTimeout: got '10 minutes'" in message
    assert "add ssoUserName for 'alice'" in message


def test_grants_on_an_imported_domain():
    stack = _stack()
    domain = cdk_mlops.ExplorationDomain.from_exploration_domain_attributes(
        stack, "Imported",
        domain_id="d-abcdefghijkl",
        security_group=cdk.aws_ec2.SecurityGroup.from_security_group_id(stack, "Sg", "sg-12345678"),
        execution_role=iam.Role.from_role_name(stack, "Role", "ds"),
    )
    operator = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    domain.grant_create_presigned_domain_url(operator, "alice")
    assert not domain.grant_track_experiments(operator).success

    template = assertions.Template.from_stack(stack)
    assert ":user-profile/d-abcdefghijkl/alice" in json.dumps(template.find_resources("AWS::IAM::Policy"))
