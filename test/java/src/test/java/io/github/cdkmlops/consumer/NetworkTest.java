package io.github.cdkmlops.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.cdkmlops.MlEndpointService;
import io.github.cdkmlops.SecureMlNetwork;
import io.github.cdkmlops.SecureMlNetworkProps;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;

/** A Java team builds the secure network with the jsii-built package. */
class NetworkTest {
  private static Stack stack() {
    App app = new App(AppProps.builder()
        .context(Map.of("aws:cdk:disable-creation-stack-traces", true))
        .build());
    return new Stack(app, "JavaNet");
  }

  @Test
  void defaultNetworkIsPrivateWithEndpoints() {
    Stack stack = stack();
    SecureMlNetwork network = new SecureMlNetwork(stack, "Network", SecureMlNetworkProps.builder()
        .maxAzs(2)
        .trustedAccountIds(List.of("222222222222"))
        .build());
    network.requireEndpoints(MlEndpointService.ECR_API, MlEndpointService.ECR_DOCKER);

    Template template = Template.fromStack(stack);
    template.resourceCountIs("AWS::EC2::VPC", 1);
    template.resourceCountIs("AWS::EC2::NatGateway", 0);
    template.hasResourceProperties("AWS::EC2::FlowLog", Map.of("TrafficType", "ALL"));
    assertEquals(6, template.findResources("AWS::EC2::VPCEndpoint",
        Map.of("Properties", Map.of("VpcEndpointType", "Interface"))).size());
    assertTrue(network.hasEndpoint(MlEndpointService.ECR_DOCKER));
  }
}
