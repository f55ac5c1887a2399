#!/usr/bin/env python3
"""Check every AWS API call the synthesized templates make against botocore's service models.

For every Step Functions state machine of every template (default
``test-out/templates``, written by the jest tests through
test/harness/compliance.ts), every Task state (nested Parallel branches and Map
processors included) is mapped to the botocore operation it calls (see
aws_models.py), then:

- the operation exists;
- every parameter is a member of the input shape, recursively, and every
  required member is present (literally, through a ``.$`` path or a JSONata
  expression);
- every literal value has the member's type and respects its enum, length,
  pattern, numeric range and list/map size (map keys and values included);
- every error name in ``Retry``/``Catch`` is one the task can raise:
  ``States.*``, ``<Prefix>.<ModeledError>Exception`` of that operation, or the
  documented base exception; on Parallel and Map states, one a nested state can
  raise (a nested task's error, a Fail state's ``Error``, a callback's error).

Requests written outside Step Functions are checked where a botocore shape
corresponds: raw ``CfnResource`` types whose properties are an API request
(RAW_RESOURCES). Job requests inside pipeline definitions are the SDK oracle's
(test/contracts/sdk); L1 resources are cfn-lint's.

Findings must equal the ``botocore`` list of test/contracts/divergences.json
(each entry cites the AWS document that justifies it): an unlisted finding or a
listed divergence that is no longer found fails the run.

Usage: .venv-sdk2/bin/python scripts/contracts/check_botocore.py [templates_dir]
       [--divergences test/contracts/divergences.json] [--json report.json] [--no-divergences]
"""
import argparse
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aws_models import STATES_ERRORS, botocore_version, check_error_name, integration, service_model  # noqa: E402
from cfn_resolve import Resolver, state_machine_definition  # noqa: E402
from shape_check import Report, ShapeChecker  # noqa: E402

# Raw CfnResource types whose properties are the request of an API operation.
RAW_RESOURCES = {
    'AWS::SageMaker::MlflowApp': ('sagemaker', 'CreateMlflowApp'),
}


def walk(states, prefix=''):
    """(path, state) of every state, nested branches and processors included."""
    for name, state in states.items():
        path = f'{prefix}{name}'
        yield path, state
        for i, branch in enumerate(state.get('Branches') or []):
            yield from walk(branch.get('States', {}), f'{path}/branch{i}/')
        processor = state.get('ItemProcessor') or state.get('Iterator')
        if processor:
            yield from walk(processor.get('States', {}), f'{path}/items/')


def nested_states(state):
    out = []
    for branch in state.get('Branches') or []:
        out += [s for _, s in walk(branch.get('States', {}))]
    processor = state.get('ItemProcessor') or state.get('Iterator')
    if processor:
        out += [s for _, s in walk(processor.get('States', {}))]
    return out


def error_names(state):
    for field in ('Retry', 'Catch'):
        for i, rule in enumerate(state.get(field) or []):
            for name in rule.get('ErrorEquals') or []:
                yield f'{field}[{i}]', name


def check_definition(definition, where, report):
    top_ql = definition.get('QueryLanguage', 'JSONPath')
    for path, state in walk(definition.get('States', {})):
        ql = state.get('QueryLanguage', top_ql)
        kind = state.get('Type')
        at = f'{where}/{path}'
        if kind == 'Task':
            check_task(state, at, ql, report)
        elif kind in ('Parallel', 'Map'):
            check_container_errors(state, at, report)
        reader = state.get('ItemReader') if kind == 'Map' else None
        if reader:
            check_task({'Resource': reader.get('Resource'), 'Parameters': reader.get('Parameters'),
                        'Arguments': reader.get('Arguments')}, f'{at}/ItemReader', ql, report)


def check_task(state, at, ql, report):
    resource = state.get('Resource')
    integ, why = integration(resource)
    report.counts['tasks'] += 1
    if integ is None:
        if why and isinstance(resource, str) and resource.startswith('arn:aws:states:::'):
            report.add(at, why)
        else:
            report.counts['tasks with no botocore shape (Lambda/activity ARNs, HTTP, API Gateway)'] += 1
        return
    report.counts[f'tasks: {integ.kind}'] += 1
    where = f'{at} ({integ.service}:{integ.operation})'
    jsonpath = ql != 'JSONata'
    params = state.get('Parameters' if jsonpath else 'Arguments')
    if isinstance(params, str):
        report.counts['run-time values (JSONata)'] += 1
    else:
        checker = ShapeChecker(report, where, 'input', jsonpath, integ.json_members())
        checker.check(params if params is not None else {}, integ.model.input_shape)
    for field, name in error_names(state):
        report.counts['error names checked'] += 1
        problem = check_error_name(name, integ)
        if problem:
            report.add(f'{where}:{field}', problem)


def check_container_errors(state, at, report):
    """A Parallel/Map catches what its nested states raise."""
    nested = nested_states(state)
    fail_errors = {s.get('Error') for s in nested if s.get('Type') == 'Fail'}
    tasks = [integration(s.get('Resource'))[0] for s in nested if s.get('Type') == 'Task']
    # A Lambda function ARN, an activity or an HTTP task raises names botocore does not know.
    opaque = any(t is None for t in tasks)
    for field, name in error_names(state):
        report.counts['error names checked'] += 1
        if name.startswith('States.'):
            if name not in STATES_ERRORS:
                report.add(f'{at}:{field}', f'{name} is not a Step Functions error name (concepts-error-handling)')
            continue
        if name in fail_errors:
            continue
        if opaque or any(t is not None and check_error_name(name, t) is None for t in tasks):
            continue
        report.add(f'{at}:{field}', f'{name} is raised by no state nested in this {state.get("Type")} '
                   '(no task can raise it, no Fail state has it, no callback task is nested)')


def check_template(path, report):
    template = json.load(open(path))
    name = os.path.basename(path)
    resolver = None
    for lid, res in template.get('Resources', {}).items():
        rtype = res.get('Type')
        if rtype == 'AWS::StepFunctions::StateMachine':
            report.counts['state machines'] += 1
            definition = state_machine_definition(template, lid)
            if definition is None:
                report.add(f'{lid}', 'definition could not be resolved offline')
                continue
            check_definition(definition, lid, report)
            report.sources.setdefault(lid, set()).add(name)
        elif rtype in RAW_RESOURCES:
            resolver = resolver or Resolver(template)
            service, operation = RAW_RESOURCES[rtype]
            report.counts['raw resources checked'] += 1
            props = resolver.resolve(res.get('Properties', {}))
            shape = service_model(service).operation_model(operation).input_shape
            ShapeChecker(report, f'{rtype} ({service}:{operation})', 'input', jsonpath=False).check(props, shape)


def state_path(where):
    """The finding's place without the state machine's logical id (ids differ between tests)."""
    return where.split('/', 1)[1] if '/' in where.split(' (')[0] else where


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('templates', nargs='?', default='test-out/templates')
    ap.add_argument('--divergences', default='test/contracts/divergences.json')
    ap.add_argument('--no-divergences', action='store_true', help='report findings without comparing with the list')
    ap.add_argument('--json', help='write the findings and counts as JSON')
    args = ap.parse_args(argv)
    files = sorted(glob.glob(os.path.join(args.templates, '*.json')))
    if not files:
        print(f'check_botocore: no templates in {args.templates} (run the jest tests first)', file=sys.stderr)
        return 1
    report = Report()
    report.sources = {}
    for f in files:
        check_template(f, report)
    found = {}
    for fnd in report.findings:
        found.setdefault((state_path(fnd['where']), fnd['what']), fnd)
    print(f'check_botocore: botocore {botocore_version()}, {len(files)} templates')
    for k, v in sorted(report.counts.items()):
        print(f'  {k}: {v}')
    for p in sorted(report.skipped_patterns):
        print(f'  pattern skipped: {p}')
    if args.json:
        json.dump({'findings': [{'where': w, 'what': t} for w, t in sorted(found)], 'counts': dict(report.counts),
                   'skippedPatterns': sorted(report.skipped_patterns)}, open(args.json, 'w'), indent=1)
    listed = set()
    if not args.no_divergences and os.path.exists(args.divergences):
        entries = json.load(open(args.divergences)).get('botocore', [])
        for e in entries:
            missing = [k for k in ('what', 'where', 'source', 'why') if not e.get(k)]
            if missing:
                print(f'  divergence without {missing}: {e}')
                return 1
            listed.add((e['where'], e['what']))
    unexpected = sorted(set(found) - listed)
    stale = sorted(listed - set(found))
    for where, what in unexpected:
        print(f'  FINDING {where}: {what}')
    for where, what in stale:
        print(f'  LISTED BUT NOT FOUND {where}: {what}')
    print(f'check_botocore: {len(found)} findings, {len(found) - len(unexpected)} listed divergences, '
          f'{len(unexpected)} unexpected, {len(stale)} listed but not found')
    return 1 if unexpected or stale else 0


if __name__ == '__main__':
    sys.exit(main())
