package io.github.cdkmlops.consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cdkmlops.MlPipeline;
import io.github.cdkmlops.MlPipelineProps;
import io.github.cdkmlops.ModelRegistry;
import io.github.cdkmlops.ModelRegistryProps;
import io.github.cdkmlops.PipelineDefinition;
import io.github.cdkmlops.PipelineValue;
import io.github.cdkmlops.ProcessingInput;
import io.github.cdkmlops.ProcessingOutput;
import io.github.cdkmlops.ProcessingStep;
import io.github.cdkmlops.ProcessingStepProps;
import io.github.cdkmlops.RegisterModelStep;
import io.github.cdkmlops.RegisterModelStepProps;
import io.github.cdkmlops.SageMakerImage;
import io.github.cdkmlops.SecureMlNetwork;
import io.github.cdkmlops.StepsDefinitionProps;
import io.github.cdkmlops.TrainingChannel;
import io.github.cdkmlops.TrainingStep;
import io.github.cdkmlops.TrainingStepProps;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;

/** A Java team builds a network, a registry and a typed pipeline. */
class PipelineTest {
  @Test
  void typedPipelineRendersSecureJobsAndRegistersIntoTheRegistry() throws Exception {
    App app = new App(AppProps.builder().context(Map.of("aws:cdk:disable-creation-stack-traces", true)).build());
    Stack stack = new Stack(app, "JavaPipeline");
    SecureMlNetwork network = new SecureMlNetwork(stack, "Network");
    ModelRegistry registry = new ModelRegistry(stack, "Registry",
        ModelRegistryProps.builder().modelPackageGroupName("java-models").build());

    ProcessingStep prepare = new ProcessingStep("Prepare", ProcessingStepProps.builder()
        .image(SageMakerImage.sklearn())
        .entrypoint(List.of("python3", "/opt/ml/processing/input/code/prepare.py"))
        .inputs(List.of(ProcessingInput.builder()
            .inputName("code").source(PipelineValue.of("s3://code/prepare.py"))
            .destination("/opt/ml/processing/input/code").build()))
        .outputs(List.of(ProcessingOutput.builder().outputName("train").source("/opt/ml/processing/train").build()))
        .build());
    TrainingStep train = new TrainingStep("Train", TrainingStepProps.builder()
        .image(SageMakerImage.xgboost())
        .channels(List.of(TrainingChannel.builder().channelName("train").s3Uri(prepare.outputUri("train")).build()))
        .build());
    RegisterModelStep register = new RegisterModelStep("Register", RegisterModelStepProps.builder()
        .image(SageMakerImage.xgboost())
        .modelDataUrl(train.getModelArtifactsUri())
        .build());

    new MlPipeline(stack, "Pipeline", MlPipelineProps.builder()
        .pipelineName("java-pipeline")
        .network(network)
        .registry(registry)
        .definition(PipelineDefinition.fromSteps(StepsDefinitionProps.builder()
            .steps(List.of(prepare, train, register)).build()))
        .build());

    Template template = Template.fromStack(stack);
    template.resourceCountIs("AWS::SageMaker::Pipeline", 1);
    template.resourceCountIs("AWS::SageMaker::ModelPackageGroup", 1);
    String body = new ObjectMapper().writeValueAsString(
        template.findResources("AWS::SageMaker::Pipeline", Map.of()));
    assertTrue(body.contains("EnableNetworkIsolation"), "training runs with network isolation");
    assertTrue(body.contains("EnableInterContainerTrafficEncryption"), "jobs encrypt inter-container traffic");
    assertTrue(body.contains("RegisterModel"), "the pipeline registers the model");
  }
}
