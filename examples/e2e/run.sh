#!/usr/bin/env bash
# The e2e app in a sandbox account (docs/e2e.md). Needs AWS credentials of
# the sandbox account, the AWS CLI, and an account bootstrapped for the CDK
# (npx aws-cdk@2 bootstrap). Costs well under a few dollars; takes about two hours.
#
#   bash examples/e2e/run.sh           deploy, run the assertions (they clean up at the end), destroy
#   bash examples/e2e/run.sh cleanup   after an interrupted run: run the cleanup workflow, destroy
#
# E2E_STACK names the stack (default CdkMlopsE2e); E2E_KEEP=1 keeps the stack after
# the run (the assertions still delete what they created; destroy it later with `cleanup`);
# E2E_DESTROY_RETAINED=false keeps the platform's buckets, keys and logs after destroy.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
STACK="${E2E_STACK:-CdkMlopsE2e}"
APP="npx ts-node --prefer-ts-exts --project tsconfig.dev.json examples/e2e/app.ts"
cdk() {
  npx --yes aws-cdk@2 "$@" --app "$APP" --context "stackName=$STACK" \
    --context "destroyRetainedResources=${E2E_DESTROY_RETAINED:-true}"
}
output() {
  aws cloudformation describe-stacks --stack-name "$STACK" --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
# Start a state machine and wait for its execution to end; prints and returns its status.
run_workflow() {
  local arn execution status
  arn="$(output "$1")"
  execution="$(aws stepfunctions start-execution --state-machine-arn "$arn" --query executionArn --output text)"
  echo "started $execution" >&2
  while status="$(aws stepfunctions describe-execution --execution-arn "$execution" --query status --output text)" && [ "$status" = RUNNING ]; do
    sleep 60
  done
  if [ "$status" != SUCCEEDED ]; then
    aws stepfunctions describe-execution --execution-arn "$execution" --query '[error, cause]' --output text >&2 || true
  fi
  echo "$status"
}
# Access logs can reach a bucket after the cleanup emptied it (S3 delivers them late): empty again and retry.
destroy() {
  for attempt in 1 2 3; do
    if cdk destroy --force; then
      return 0
    fi
    echo "destroy failed (attempt $attempt): emptying the buckets again in 5 minutes" >&2
    sleep 300
    run_workflow CleanupArn >/dev/null || true
  done
  return 1
}

case "${1:-run}" in
  run)
    cdk deploy --require-approval never
    status="$(run_workflow AssertionsArn)"
    echo "e2e assertions: $status"
    if [ "${E2E_KEEP:-0}" != 1 ]; then
      destroy
    fi
    [ "$status" = SUCCEEDED ]
    ;;
  cleanup)
    status="$(run_workflow CleanupArn)"
    echo "e2e cleanup: $status"
    destroy
    ;;
  *)
    echo "usage: bash examples/e2e/run.sh [run|cleanup]" >&2
    exit 2
    ;;
esac
