"""A Python team builds the secure network with the jsii-built cdk_mlops wheel."""
import aws_cdk as cdk
import pytest
from aws_cdk import assertions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_s3 as s3

import cdk_mlops


def _stack() -> cdk.Stack:
    app = cdk.App(context={"aws:cdk:disable-creation-stack-traces": True})
    return cdk.Stack(app, "PyNet")


def test_default_network_is_private_with_endpoints():
    stack = _stack()
    network = cdk_mlops.SecureMlNetwork(stack, "Network")
    network.require_endpoints(cdk_mlops.MlEndpointService.ECR_API, cdk_mlops.MlEndpointService.ECR_DOCKER)

    template = assertions.Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::VPC", 1)
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.resource_count_is("AWS::EC2::InternetGateway", 0)
    interface = template.find_resources("AWS::EC2::VPCEndpoint", {"Properties": {"VpcEndpointType": "Interface"}})
    assert len(interface) == 6
    template.has_resource_properties("AWS::EC2::FlowLog", {"TrafficType": "ALL"})
    template.has_resource("AWS::KMS::Key", {"DeletionPolicy": "Retain"})
    assert network.has_endpoint(cdk_mlops.MlEndpointService.ECR_DOCKER)
    assert sorted(network.endpoint_service_names) == ["ecr.api", "ecr.dkr", "logs", "sagemaker.api", "sagemaker.runtime", "sts"]


def test_props_from_python_and_existing_vpc():
    stack = _stack()
    vpc = ec2.Vpc.from_vpc_attributes(
        stack, "Existing",
        vpc_id="vpc-1", availability_zones=["us-east-1a"],
        isolated_subnet_ids=["subnet-1"], isolated_subnet_route_table_ids=["rtb-1"],
    )
    network = cdk_mlops.SecureMlNetwork(
        stack, "Network",
        vpc=vpc,
        interface_endpoints=[cdk_mlops.MlEndpointService.SAGEMAKER_API],
        trusted_account_ids=["222222222222"],
    )
    template = assertions.Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::VPC", 0)
    template.has_resource_properties("AWS::EC2::VPCEndpoint", {
        "VpcEndpointType": "Interface",
        "SubnetIds": ["subnet-1"],
    })
    assert network.subnet_ids == ["subnet-1"]


def test_bad_input_raises_a_validation_error_naming_the_prop():
    stack = _stack()
    with pytest.raises(Exception) as info:
        cdk_mlops.SecureMlNetwork(stack, "Network", cidr="10.0.0.0/28")
    assert "cidr: got '10.0.0.0/28'" in str(info.value)


def test_network_is_an_ec2_connectable_and_allow_s3_bucket_read_answers():
    stack = _stack()
    network = cdk_mlops.SecureMlNetwork(stack, "Network")
    network.connections.allow_from(ec2.Peer.ipv4("10.8.0.0/16"), ec2.Port.tcp(8080), "Model server from the VPN")
    result = network.allow_s3_bucket_read(s3.Bucket.from_bucket_name(stack, "Shared", "tooling-model-artifacts"))

    template = assertions.Template.from_stack(stack)
    group = template.to_json()["Resources"][stack.get_logical_id(network.workload_security_group.node.default_child)]
    assert group["Properties"]["SecurityGroupIngress"] == [
        {"CidrIp": "10.8.0.0/16", "Description": "Model server from the VPN", "FromPort": 8080, "IpProtocol": "tcp", "ToPort": 8080},
    ]
    assert result.statement_added
