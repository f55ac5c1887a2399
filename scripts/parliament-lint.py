#!/usr/bin/env python3
"""Lint every identity-based IAM policy of the synthesized templates with parliament.

Reads every ``*.json`` CloudFormation template in a directory (default
``test-out/templates``, written by ``test/harness/compliance.ts``), extracts
the policy documents of ``AWS::IAM::Policy``, ``AWS::IAM::ManagedPolicy`` and
the inline ``Policies`` of ``AWS::IAM::Role`` / ``User`` / ``Group``, resolves
CloudFormation intrinsics to realistic placeholder values (ARNs built from the
referenced resource's type) and runs parliament's analysis on each document.

Fails (exit 1) when:
- parliament reports any finding that is not in the allow-list
  (``test/reliability/parliament-allowlist.json``; each entry names the
  parliament issue, the action(s) and a reason);
- any statement allows the action ``*`` or a whole service (``svc:*``);
An allow-list entry that matched nothing is reported (not failed: a run over
a subset of the templates legitimately misses some).

``Resource: "*"`` is reported by parliament as ``RESOURCE_STAR`` only for
actions that do have resource-level permissions, so ``*`` on actions without
them passes, and ``*`` on the others fails unless allow-listed with a reason.

Resource-based policies (bucket, key, topic, queue, model package group,
endpoint policies) are out of scope: parliament analyses identity policies.
Every policy, identity and resource alike, is also checked against the
Service Authorization Reference by test/contracts/iam (scripts/test.sh runs
it before this script); each allow-list entry says why that check accepts
what parliament flags.

Usage: .venv-reliability/bin/python scripts/parliament-lint.py [templates_dir]
       [--allowlist test/reliability/parliament-allowlist.json]
"""
import argparse
import fnmatch
import glob
import json
import os
import re
import sys
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=".*pkg_resources.*")

from parliament import analyze_policy_string, enhance_finding  # noqa: E402

PARTITION = "aws"
REGION = "us-east-1"
ACCOUNT = "123456789012"
PSEUDO = {
    "AWS::Partition": PARTITION,
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "placeholder-stack",
    "AWS::StackId": f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/placeholder-stack/1",
    "AWS::NoValue": None,
}

# ARN of a resource by CloudFormation type; {n} is a placeholder name.
ARN_BY_TYPE = {
    "AWS::S3::Bucket": "arn:aws:s3:::{n}",
    "AWS::KMS::Key": "arn:aws:kms:{r}:{a}:key/{n}",
    "AWS::KMS::Alias": "arn:aws:kms:{r}:{a}:alias/{n}",
    "AWS::Logs::LogGroup": "arn:aws:logs:{r}:{a}:log-group:{n}:*",
    "AWS::IAM::Role": "arn:aws:iam::{a}:role/{n}",
    "AWS::IAM::User": "arn:aws:iam::{a}:user/{n}",
    "AWS::IAM::ManagedPolicy": "arn:aws:iam::{a}:policy/{n}",
    "AWS::IAM::InstanceProfile": "arn:aws:iam::{a}:instance-profile/{n}",
    "AWS::SNS::Topic": "arn:aws:sns:{r}:{a}:{n}",
    "AWS::SQS::Queue": "arn:aws:sqs:{r}:{a}:{n}",
    "AWS::Lambda::Function": "arn:aws:lambda:{r}:{a}:function:{n}",
    "AWS::StepFunctions::StateMachine": "arn:aws:states:{r}:{a}:stateMachine:{n}",
    "AWS::CodeBuild::Project": "arn:aws:codebuild:{r}:{a}:project/{n}",
    "AWS::CodePipeline::Pipeline": "arn:aws:codepipeline:{r}:{a}:{n}",
    "AWS::CodeCommit::Repository": "arn:aws:codecommit:{r}:{a}:{n}",
    "AWS::ECR::Repository": "arn:aws:ecr:{r}:{a}:repository/{n}",
    "AWS::Events::Rule": "arn:aws:events:{r}:{a}:rule/{n}",
    "AWS::Events::EventBus": "arn:aws:events:{r}:{a}:event-bus/{n}",
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:{r}:{a}:table/{n}",
    "AWS::SSM::Parameter": "arn:aws:ssm:{r}:{a}:parameter/{n}",
    "AWS::SecretsManager::Secret": "arn:aws:secretsmanager:{r}:{a}:secret:{n}",
    "AWS::SageMaker::Domain": "arn:aws:sagemaker:{r}:{a}:domain/{n}",
    "AWS::SageMaker::UserProfile": "arn:aws:sagemaker:{r}:{a}:user-profile/d-placeholder/{n}",
    "AWS::SageMaker::ModelPackageGroup": "arn:aws:sagemaker:{r}:{a}:model-package-group/{n}",
    "AWS::SageMaker::Pipeline": "arn:aws:sagemaker:{r}:{a}:pipeline/{n}",
    "AWS::SageMaker::Model": "arn:aws:sagemaker:{r}:{a}:model/{n}",
    "AWS::SageMaker::Endpoint": "arn:aws:sagemaker:{r}:{a}:endpoint/{n}",
    "AWS::SageMaker::EndpointConfig": "arn:aws:sagemaker:{r}:{a}:endpoint-config/{n}",
    "AWS::SageMaker::MlflowApp": "arn:aws:sagemaker:{r}:{a}:mlflow-app/{n}",
    "AWS::CodeBuild::ReportGroup": "arn:aws:codebuild:{r}:{a}:report-group/{n}",
    "AWS::SageMaker::MlflowTrackingServer": "arn:aws:sagemaker:{r}:{a}:mlflow-tracking-server/{n}",
    "AWS::SageMaker::MonitoringSchedule": "arn:aws:sagemaker:{r}:{a}:monitoring-schedule/{n}",
    "AWS::SageMaker::ModelQualityJobDefinition": "arn:aws:sagemaker:{r}:{a}:model-quality-job-definition/{n}",
    "AWS::SageMaker::DataQualityJobDefinition": "arn:aws:sagemaker:{r}:{a}:data-quality-job-definition/{n}",
    "AWS::EFS::FileSystem": "arn:aws:elasticfilesystem:{r}:{a}:file-system/{n}",
    "AWS::EC2::VPC": "arn:aws:ec2:{r}:{a}:vpc/{n}",
    "AWS::EC2::Subnet": "arn:aws:ec2:{r}:{a}:subnet/{n}",
    "AWS::EC2::SecurityGroup": "arn:aws:ec2:{r}:{a}:security-group/{n}",
    "AWS::CloudWatch::Alarm": "arn:aws:cloudwatch:{r}:{a}:alarm:{n}",
    "AWS::Scheduler::Schedule": "arn:aws:scheduler:{r}:{a}:schedule/default/{n}",
    "AWS::Scheduler::ScheduleGroup": "arn:aws:scheduler:{r}:{a}:schedule-group/{n}",
}
# Types whose Ref is the ARN (not a name or id).
REF_IS_ARN = {
    "AWS::SNS::Topic", "AWS::StepFunctions::StateMachine", "AWS::IAM::ManagedPolicy",
    "AWS::SageMaker::ModelPackageGroup", "AWS::SageMaker::Endpoint", "AWS::SageMaker::EndpointConfig",
    "AWS::SageMaker::Model", "AWS::SageMaker::MonitoringSchedule", "AWS::SageMaker::Domain",
}


def placeholder_name(logical_id):
    return re.sub(r"[^a-z0-9-]", "", logical_id.lower())[:40] or "placeholder"


def arn_of(resource_type, logical_id):
    fmt = ARN_BY_TYPE.get(resource_type)
    name = placeholder_name(logical_id)
    if fmt is None:
        parts = resource_type.split("::")
        service = parts[1].lower() if len(parts) == 3 else "unknown"
        kind = parts[2].lower() if len(parts) == 3 else "resource"
        fmt = f"arn:aws:{service}:{{r}}:{{a}}:{kind}/{{n}}"
    return fmt.format(r=REGION, a=ACCOUNT, n=name)


class Resolver:
    """Resolves CloudFormation intrinsics to placeholder strings."""

    def __init__(self, template):
        self.resources = template.get("Resources", {})
        self.parameters = template.get("Parameters", {})

    def ref(self, name):
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.parameters:
            default = self.parameters[name].get("Default")
            return default if isinstance(default, str) else f"placeholder-{placeholder_name(name)}"
        resource = self.resources.get(name)
        if resource is None:
            return f"placeholder-{placeholder_name(name)}"
        rtype = resource.get("Type", "")
        if rtype in REF_IS_ARN:
            return arn_of(rtype, name)
        if rtype == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{placeholder_name(name)}"
        if rtype == "AWS::KMS::Key":
            return "11111111-2222-3333-4444-555555555555"
        return placeholder_name(name)

    def get_att(self, name, attribute):
        resource = self.resources.get(name, {})
        rtype = resource.get("Type", "")
        if attribute in ("Arn", "ModelPackageGroupArn", "PipelineArn", "DomainArn", "TrackingServerArn",
                         "EndpointArn", "TopicArn", "StateMachineArn", "RoleArn", "QueueArn") or attribute.endswith("Arn"):
            return arn_of(rtype, name)
        if attribute == "KeyId":
            return "11111111-2222-3333-4444-555555555555"
        if attribute == "QueueName" or attribute.endswith("Name"):
            return placeholder_name(name)
        if attribute == "QueueUrl":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{placeholder_name(name)}"
        return f"placeholder-{placeholder_name(name)}-{attribute.lower()}"

    def resolve(self, value):
        if isinstance(value, list):
            out = [self.resolve(v) for v in value]
            return [v for v in out if v is not None]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                name, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(name, attribute)
            if key == "Fn::Join":
                delimiter, parts = arg
                return delimiter.join(str(p) for p in self.resolve(parts))
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

                def sub(m):
                    token = m.group(1)
                    if token in variables:
                        return str(variables[token])
                    if "." in token:
                        return str(self.get_att(*token.split(".", 1)))
                    return str(self.ref(token))
                return re.sub(r"\$\{([^}!]+)\}", sub, text)
            if key == "Fn::Select":
                index, items = arg
                items = self.resolve(items)
                return items[int(self.resolve(index))] if isinstance(items, list) and len(items) > int(index) else "placeholder"
            if key == "Fn::Split":
                delimiter, text = arg
                return str(self.resolve(text)).split(delimiter)
            if key == "Fn::If":
                return self.resolve(arg[1])
            if key == "Fn::ImportValue":
                return "placeholder-import"
            if key == "Fn::GetAZs":
                return [f"{REGION}a", f"{REGION}b"]
            if key == "Fn::Base64":
                return "placeholder"
            if key == "Fn::FindInMap":
                return "placeholder"
        return {k: self.resolve(v) for k, v in value.items()}


def policy_documents(template):
    """(location, document) of every identity-based policy document in the template."""
    for logical_id, resource in template.get("Resources", {}).items():
        rtype = resource.get("Type")
        props = resource.get("Properties", {})
        if rtype in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and "PolicyDocument" in props:
            yield f"{logical_id} ({rtype})", props["PolicyDocument"]
        if rtype in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            for i, inline in enumerate(props.get("Policies", []) or []):
                yield f"{logical_id}.Policies[{i}] ({rtype})", inline.get("PolicyDocument", {})


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def actions_of(finding_detail, statement):
    """The actions a finding is about: from its detail, else the statement's actions."""
    if isinstance(finding_detail, list):
        names = []
        for d in finding_detail:
            if isinstance(d, dict) and "action" in d:
                names.append(d["action"])
            elif isinstance(d, str):
                names.append(d)
        if names:
            return names
    if isinstance(finding_detail, str):
        m = re.match(r"Unknown action (\S+)", finding_detail)
        if m:
            return [m.group(1)]
    return [str(a) for a in as_list(statement.get("Action"))]


def matches(entry, issue, actions, detail):
    if entry["issue"] != issue:
        return False
    if "detail" in entry and not re.search(entry["detail"], detail):
        return False
    wanted = entry.get("actions", ["*"])
    return bool(actions) and all(any(fnmatch.fnmatchcase(a.lower(), w.lower()) for w in wanted) for a in actions)


CANARY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "sagemaker:CreateTrainingJob"], "Resource": "*"}],
}


def check_canary():
    """A checker that silently stops checking is worse than none: parliament must flag a known-bad policy."""
    issues = {f.issue for f in analyze_policy_string(json.dumps(CANARY), ignore_private_auditors=True).findings}
    if "RESOURCE_STAR" not in issues:
        sys.exit(f"parliament-lint: parliament did not flag the known-bad canary policy (got {sorted(issues)}); is it installed correctly?")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("templates", nargs="?", default=os.path.join(root, "test-out", "templates"))
    parser.add_argument("--allowlist", default=os.path.join(root, "test", "reliability", "parliament-allowlist.json"))
    args = parser.parse_args()

    check_canary()
    allowlist = json.load(open(args.allowlist))["allowed"]
    for entry in allowlist:
        if not entry.get("reason") or len(entry["reason"]) < 40:
            sys.exit(f"parliament-lint: allow-list entry without a real reason: {entry}")
    used = [0] * len(allowlist)

    files = sorted(glob.glob(os.path.join(args.templates, "*.json")))
    if not files:
        sys.exit(f"parliament-lint: no templates in {args.templates} (run the jest tests first)")

    documents = statements = wildcard_patterns = allowed = 0
    by_issue = {}
    failures = []
    seen = set()
    for path in files:
        template = json.load(open(path))
        resolver = Resolver(template)
        for location, raw in policy_documents(template):
            doc = resolver.resolve(raw)
            key = json.dumps(doc, sort_keys=True)
            documents += 1
            stmts = as_list(doc.get("Statement"))
            statements += len(stmts)
            where = f"{os.path.basename(path)}: {location}"
            for s in stmts:
                for a in as_list(s.get("Action")):
                    if s.get("Effect") == "Allow" and (a == "*" or re.fullmatch(r"[A-Za-z0-9-]+:\*", str(a))):
                        failures.append(f"{where}: action '{a}' allows everything (statement {s.get('Sid', '?')})")
                    elif "*" in str(a):
                        wildcard_patterns += 1
            if key in seen:
                continue  # the same document in another test's template: analysed once
            seen.add(key)
            sids = [s.get("Sid") for s in stmts if s.get("Sid")]
            for sid in sorted({x for x in sids if sids.count(x) > 1}):
                failures.append(f"{where}: DUPLICATE_SID {sid}")
            # one statement at a time, so every finding is tied to its statement
            for s in stmts:
                single = {"Version": doc.get("Version", "2012-10-17"), "Statement": [s]}
                policy = analyze_policy_string(json.dumps(single), ignore_private_auditors=True)
                for finding in policy.findings:
                    finding = enhance_finding(finding)
                    acts = actions_of(finding.detail, s)
                    detail = json.dumps(finding.detail, default=str)
                    hit = next((i for i, e in enumerate(allowlist) if matches(e, finding.issue, acts, detail)), None)
                    if hit is not None:
                        used[hit] += 1
                        allowed += 1
                        by_issue[finding.issue] = by_issue.get(finding.issue, 0) + 1
                        continue
                    failures.append(f"{where}: {finding.issue} ({finding.severity}) {detail[:400]}"
                                    f" in statement {s.get('Sid', '?')} on {json.dumps(s.get('Resource'))[:300]}"
                                    f" condition {json.dumps(s.get('Condition'))[:200]}")

    stale = [allowlist[i] for i, n in enumerate(used) if n == 0]
    print(f"parliament-lint: {len(files)} templates, {documents} policy documents ({len(seen)} distinct), "
          f"{statements} statements, {wildcard_patterns} actions with a pattern (e.g. s3:GetObject*), "
          f"{allowed} allow-listed findings from {len(allowlist) - len(stale)} allow-list entries")
    if by_issue:
        print("parliament-lint: allow-listed by issue: " + ", ".join(f"{k} {v}" for k, v in sorted(by_issue.items())))
    for entry, n in zip(allowlist, used):
        if n:
            print(f"parliament-lint:   {n:4d} x {entry['issue']} {entry.get('actions', ['*'])}")
    for f in failures:
        print(f"  FAIL {f}")
    for e in stale:
        print(f"  note: allow-list entry matched nothing in these templates: {e['issue']} {e.get('actions')}")
    if failures:
        print(f"parliament-lint: {len(failures)} failures")
        return 1
    print("parliament-lint: 0 errors, 0 '*' actions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
