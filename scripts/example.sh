#!/usr/bin/env bash
# The main job: synthesize the example platform offline into cdk.out (one
# account, and tooling/staging/production accounts in cdk.out/multi-account),
# run the four compliance packs and MlopsChecks, print a summary (layers,
# stacks, resources per layer, endpoints, idle monthly cost, findings) and
# write diagrams generated from the templates: cdk.out/platform.svg and
# cdk.out/platform-multi-account.svg. No AWS account, no Docker, no network.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_REGION="${AWS_REGION:-us-east-1}" CDK_DISABLE_CLI_TELEMETRY=true AWS_EC2_METADATA_DISABLED=true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
bash scripts/bootstrap.sh
rm -rf cdk.out
npx ts-node --prefer-ts-exts --project tsconfig.dev.json examples/app.ts
