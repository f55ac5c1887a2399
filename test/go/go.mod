module github.com/cdk-mlops/consumer-go

go 1.23

require (
	github.com/aws/aws-cdk-go/awscdk/v2 v2.258.0
	github.com/aws/constructs-go/constructs/v10 v10.5.1
	github.com/aws/jsii-runtime-go v1.120.0
	github.com/cdk-mlops/cdk-mlops-go/cdkmlops v0.0.0
)

// the jsii-built Go module (bash scripts/package.sh go)
replace github.com/cdk-mlops/cdk-mlops-go/cdkmlops => ../../dist/go/cdkmlops
