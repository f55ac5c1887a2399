#!/usr/bin/env python3
"""What a synthesized app creates at run time, and whether its cleanup workflow deletes each kind.

Read from the template, not from the code that wrote it:

- every Task of every Step Functions state machine (nested branches and Map
  processors included), mapped to its botocore operation (aws_models.integration);
- every step of every SageMaker pipeline definition, mapped to the operation
  SageMaker Pipelines calls for its type (STEP_OPERATIONS, from the step types of
  the SageMaker Developer Guide, "Pipelines steps");
- every custom resource: ``Custom::AWS`` (aws-cdk-lib's AwsCustomResource)
  names its calls in its properties; for another custom resource type the calls
  of its handler are read from the handler's code (CUSTOM_HANDLERS) and matched
  against the operations of the service's botocore model; a custom resource of
  unknown type is reported.

A call that creates something is an operation named ``Create*``, ``Start*`` or
``Put*``. Its counterpart comes from the same service's botocore model:
``Stop<X>`` for ``Start<X>``; for ``Create<X>``, ``Stop<X>`` when the model has it
(a job: it runs until stopped, and bills only while it runs), else
``Delete<X>``; ``Delete<X>`` for ``Put<X>``. A kind is covered when the cleanup
state machine (``--cleanup``, a logical id prefix) has a task calling the
counterpart. A kind without a counterpart in botocore, or not covered, is
reported; the test that runs this script compares the uncovered kinds with
its list of exemptions, each with the AWS document that justifies it.

Usage: cleanup_coverage.py TEMPLATE --cleanup LOGICAL_ID_PREFIX [--node-modules DIR]
Output (stdout): JSON ``{"created": [...], "cleanupCalls": [...], "customResources": [...]}``
"""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aws_models import integration, service_model  # noqa: E402
from cfn_resolve import Resolver, state_machine_definition  # noqa: E402

# Step type -> (service, operation) SageMaker Pipelines calls for it
# (SageMaker Developer Guide, "Pipelines steps": each step type and the job or resource it creates).
STEP_OPERATIONS = {
    'Training': ('sagemaker', 'CreateTrainingJob'),
    'Processing': ('sagemaker', 'CreateProcessingJob'),
    'Transform': ('sagemaker', 'CreateTransformJob'),
    'Tuning': ('sagemaker', 'CreateHyperParameterTuningJob'),
    'RegisterModel': ('sagemaker', 'CreateModelPackage'),
    'Model': ('sagemaker', 'CreateModel'),
    'QualityCheck': ('sagemaker', 'CreateProcessingJob'),
    'ClarifyCheck': ('sagemaker', 'CreateProcessingJob'),
    'AutoML': ('sagemaker', 'CreateAutoMLJobV2'),
}
# Steps that create nothing (control flow, callbacks handled by the user, Lambda, EMR owned elsewhere).
NO_RESOURCE_STEPS = {'Condition', 'Fail'}

# Custom resource type -> (botocore service, handler code under node_modules).
CUSTOM_HANDLERS = {
    'Custom::VpcRestrictDefaultSG': ('ec2', 'aws-cdk-lib/custom-resource-handlers/dist/aws-ec2/restrict-default-security-group-handler/index.js'),
}
CREATING = re.compile(r'^(Create|Start|Put)([A-Z]\w*)$')


def walk(states):
    for name, state in states.items():
        yield name, state
        for branch in state.get('Branches') or []:
            yield from walk(branch.get('States', {}))
        processor = state.get('ItemProcessor') or state.get('Iterator')
        if processor:
            yield from walk(processor.get('States', {}))


def counterpart(service, operation):
    """The botocore operation that undoes `operation`, or None when the model has none."""
    m = CREATING.match(operation)
    if not m:
        return None
    verb, kind = m.groups()
    names = service_model(service).operation_names
    if verb == 'Start':
        candidates = [f'Stop{kind}']
    elif verb == 'Create':
        candidates = [f'Stop{kind}', f'Delete{kind}']
    else:
        candidates = [f'Delete{kind}']
    return next((c for c in candidates if c in names), None)


def tasks_of(template, lid):
    definition = state_machine_definition(template, lid)
    for name, state in walk(definition.get('States', {})):
        if state.get('Type') == 'Task':
            integ, _ = integration(state.get('Resource'))
            if integ is not None:
                yield name, integ.service, integ.operation


def handler_operations(service, path):
    """Operations of `service` the handler's code calls (SDK v3 command names or v2/v3 client method names)."""
    code = open(path).read()
    found = set()
    for op in service_model(service).operation_names:
        camel = op[0].lower() + op[1:]
        if re.search(rf'\b({op}Command|{camel})\b', code):
            found.add(op)
    return sorted(found)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('template')
    ap.add_argument('--cleanup', required=True, help='logical id prefix of the cleanup state machine')
    ap.add_argument('--node-modules', default='node_modules')
    args = ap.parse_args(argv)
    template = json.load(open(args.template))
    resources = template.get('Resources', {})
    created, cleanup_calls, customs = [], set(), []
    cleanup_ids = [lid for lid, r in resources.items()
                   if r.get('Type') == 'AWS::StepFunctions::StateMachine' and lid.startswith(args.cleanup)]
    if len(cleanup_ids) != 1:
        print(f'cleanup_coverage: expected one state machine {args.cleanup}*, found {cleanup_ids}', file=sys.stderr)
        return 2
    for _, service, operation in tasks_of(template, cleanup_ids[0]):
        cleanup_calls.add(f'{service}:{operation}')

    def add(where, service, operation):
        if CREATING.match(operation):
            c = counterpart(service, operation)
            created.append({'where': where, 'service': service, 'operation': operation, 'counterpart': c,
                            'covered': c is not None and f'{service}:{c}' in cleanup_calls})

    resolver = Resolver(template)
    for lid, r in resources.items():
        rtype = r.get('Type')
        if rtype == 'AWS::StepFunctions::StateMachine':
            for name, service, operation in tasks_of(template, lid):
                add(f'{lid}/{name}', service, operation)
        elif rtype == 'AWS::SageMaker::Pipeline':
            body = resolver.resolve(r['Properties']['PipelineDefinition'].get('PipelineDefinitionBody'))
            steps = json.loads(body).get('Steps', []) if isinstance(body, str) else []

            def visit(steps, where):
                for step in steps:
                    kind = step.get('Type')
                    if kind in STEP_OPERATIONS:
                        add(f'{where}/{step.get("Name")}', *STEP_OPERATIONS[kind])
                    elif kind not in NO_RESOURCE_STEPS:
                        customs.append({'where': f'{where}/{step.get("Name")}', 'type': f'pipeline step {kind}', 'known': False})
                    for key in ('IfSteps', 'ElseSteps'):
                        visit(step.get('Arguments', {}).get(key, []), where)
            visit(steps, lid)
        elif rtype == 'Custom::AWS':
            props = r.get('Properties', {})
            for phase in ('Create', 'Update'):
                call = resolver.resolve(props.get(phase))
                call = json.loads(call) if isinstance(call, str) else call
                if isinstance(call, dict) and call.get('service') and call.get('action'):
                    action = call['action'][0].upper() + call['action'][1:]
                    add(f'{lid}/{phase}', call['service'].lower(), action)
            customs.append({'where': lid, 'type': rtype, 'known': True})
        elif rtype.startswith('Custom::') or rtype == 'AWS::CloudFormation::CustomResource':
            handler = CUSTOM_HANDLERS.get(rtype)
            if handler is None:
                customs.append({'where': lid, 'type': rtype, 'known': False})
                continue
            service, rel = handler
            ops = handler_operations(service, os.path.join(args.node_modules, rel))
            customs.append({'where': lid, 'type': rtype, 'known': True, 'operations': ops})
            for op in ops:
                add(f'{lid}/handler', service, op)
    json.dump({'created': created, 'cleanupCalls': sorted(cleanup_calls), 'customResources': customs}, sys.stdout, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
