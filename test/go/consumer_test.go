// A Go team builds the secure network and a typed pipeline with the jsii-built module.
package consumer

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-mlops/cdk-mlops-go/cdkmlops"
)

func newStack(id string) awscdk.Stack {
	app := awscdk.NewApp(&awscdk.AppProps{
		Context: &map[string]interface{}{"aws:cdk:disable-creation-stack-traces": true},
	})
	return awscdk.NewStack(app, jsii.String(id), nil)
}

func TestNetworkIsPrivateWithEndpoints(t *testing.T) {
	stack := newStack("GoNet")
	network := cdkmlops.NewSecureMlNetwork(stack, jsii.String("Network"), &cdkmlops.SecureMlNetworkProps{
		TrustedAccountIds: jsii.Strings("222222222222"),
	})
	network.RequireEndpoints(cdkmlops.MlEndpointService_ECR_API(), cdkmlops.MlEndpointService_ECR_DOCKER())

	template := assertions.Template_FromStack(stack, nil)
	template.ResourceCountIs(jsii.String("AWS::EC2::VPC"), jsii.Number(1))
	template.ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(0))
	interfaces := template.FindResources(jsii.String("AWS::EC2::VPCEndpoint"), map[string]interface{}{
		"Properties": map[string]interface{}{"VpcEndpointType": "Interface"},
	})
	if got := len(*interfaces); got != 6 {
		t.Fatalf("interface endpoints: got %d, want 6", got)
	}
	if !*network.HasEndpoint(cdkmlops.MlEndpointService_ECR_DOCKER()) {
		t.Fatal("ECR Docker endpoint not registered")
	}
}

func TestTypedPipelineRegistersIntoTheRegistry(t *testing.T) {
	stack := newStack("GoPipeline")
	network := cdkmlops.NewSecureMlNetwork(stack, jsii.String("Network"), nil)
	registry := cdkmlops.NewModelRegistry(stack, jsii.String("Registry"), &cdkmlops.ModelRegistryProps{
		ModelPackageGroupName: jsii.String("go-models"),
	})
	train := cdkmlops.NewTrainingStep(jsii.String("Train"), &cdkmlops.TrainingStepProps{
		Image: cdkmlops.SageMakerImage_Xgboost(nil),
		Channels: &[]*cdkmlops.TrainingChannel{{
			ChannelName: jsii.String("train"),
			S3Uri:       cdkmlops.PipelineValue_Of(jsii.String("s3://data/train/")),
		}},
	})
	register := cdkmlops.NewRegisterModelStep(jsii.String("Register"), &cdkmlops.RegisterModelStepProps{
		Image:        cdkmlops.SageMakerImage_Xgboost(nil),
		ModelDataUrl: train.ModelArtifactsUri(),
	})
	cdkmlops.NewMlPipeline(stack, jsii.String("Pipeline"), &cdkmlops.MlPipelineProps{
		PipelineName: jsii.String("go-pipeline"),
		Network:      network,
		Registry:     registry,
		Definition: cdkmlops.PipelineDefinition_FromSteps(&cdkmlops.StepsDefinitionProps{
			Steps: &[]cdkmlops.PipelineStep{train, register},
		}),
	})

	template := assertions.Template_FromStack(stack, nil)
	template.ResourceCountIs(jsii.String("AWS::SageMaker::Pipeline"), jsii.Number(1))
	body, err := json.Marshal(template.FindResources(jsii.String("AWS::SageMaker::Pipeline"), nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"EnableNetworkIsolation", "EnableInterContainerTrafficEncryption", "RegisterModel"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("pipeline definition lacks %s", want)
		}
	}
}

// Studio with serverless MLflow: the MLflow App waits for its policies
// (DependsOn), rendered without a deprecated aws-cdk-lib API; run.sh fails on
// any deprecation warning of the aws-cdk-lib that aws-cdk-go embeds.
func TestStudioTracksExperimentsWithMlflow(t *testing.T) {
	stack := newStack("GoStudio")
	network := cdkmlops.NewSecureMlNetwork(stack, jsii.String("Network"), nil)
	cdkmlops.NewExplorationDomain(stack, jsii.String("Studio"), &cdkmlops.ExplorationDomainProps{
		Network:            network,
		ExperimentTracking: cdkmlops.ExperimentTracking_MlflowApp(nil),
		UserProfiles:       &[]*cdkmlops.StudioUserProfileOptions{{UserProfileName: jsii.String("alice")}},
	})

	template := assertions.Template_FromStack(stack, nil)
	template.ResourceCountIs(jsii.String("AWS::SageMaker::Domain"), jsii.Number(1))
	template.ResourceCountIs(jsii.String("AWS::SageMaker::UserProfile"), jsii.Number(1))
	apps := template.FindResources(jsii.String("AWS::SageMaker::MlflowApp"), nil)
	if got := len(*apps); got != 1 {
		t.Fatalf("MLflow apps: got %d, want 1", got)
	}
	for id, app := range *apps {
		deps, _ := (*app)["DependsOn"].([]interface{})
		if len(deps) == 0 {
			t.Errorf("MLflow app %s does not wait for its policies", id)
		}
	}
}
