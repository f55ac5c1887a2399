#!/usr/bin/env python3
"""Check concrete Step Functions calls of the tests against botocore: mocked answers and evaluated requests.

The jest workflow tests run synthesized state machines in aws-local-stepfunctions
and answer each Task from a simulated account (test/harness/stepfunctions.ts
records every answer). A mocked answer is only evidence if AWS could give it:

- a success answer must conform to the operation's OUTPUT shape as Step
  Functions returns it: PascalCase member names, types, enums, lengths,
  patterns and required members (for ``.sync`` jobs, the Describe* output);
- an error must be one the task can raise, named as Step Functions names it
  (see aws_models.check_error_name), or a callback task's SendTaskFailure error.

A callback task's (``.waitForTaskToken``) success output is whatever
SendTaskSuccess sent: it has no botocore shape and is only counted.

A request a test evaluated in full (a JSONata state's ``Arguments`` with every
expression computed, as the drift check's job requests) is checked against the
input shape like a literal request of check_botocore.py, but with nothing left
to skip.

Input (stdin): ``{"answers": [{"resource", "output"} | {"resource", "error"} | {"resource", "request"}]}``
Output (stdout): ``{"findings": [{"where", "what"}], "counts": {...}}``; exit 0.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aws_models import STATES_ERRORS, check_error_name, integration, service_model  # noqa: E402
from shape_check import Report, ShapeChecker  # noqa: E402


def output_shape(integ):
    """The shape of the task's result, or None when it has none (an empty result)."""
    if integ.pattern in ('sync', 'sync:2'):
        model = service_model(integ.service)
        if integ.service == 'stepfunctions' and integ.operation == 'StartExecution':
            return model.operation_model('DescribeExecution').output_shape
        m = re.match(r'^Create(\w+Job)$', integ.operation)
        if m and f'Describe{m.group(1)}' in model.operation_names:
            return model.operation_model(f'Describe{m.group(1)}').output_shape
    return integ.model.output_shape


def check_answers(answers):
    report = Report()
    for answer in answers:
        resource = answer.get('resource')
        integ, why = integration(resource)
        where = f'mocked answer of {resource}'
        if integ is None:
            report.add(where, why)
            continue
        if 'request' in answer:
            report.counts['requests checked'] += 1
            ShapeChecker(report, f'request to {resource}', 'input', jsonpath=False,
                         json_members=integ.json_members()).check(answer['request'], integ.model.input_shape)
            continue
        if 'error' in answer:
            report.counts['errors checked'] += 1
            name = answer['error']
            problem = (None if name in STATES_ERRORS else f'{name} is not a Step Functions error name') \
                if name.startswith('States.') else check_error_name(name, integ)
            if problem:
                report.add(where, problem)
            continue
        output = answer.get('output')
        if integ.callback:
            report.counts['callback outputs (SendTaskSuccess, no shape)'] += 1
            continue
        report.counts['outputs checked'] += 1
        shape = output_shape(integ)
        if shape is None:
            if output not in ({}, None):
                report.add(where, f'{integ.service}:{integ.operation} returns nothing, the mock returns {output!r}')
            continue
        ShapeChecker(report, where, 'output', jsonpath=False).check(output if output is not None else {}, shape)
    return report


def main():
    data = json.load(sys.stdin)
    report = check_answers(data.get('answers', []))
    json.dump({'findings': report.findings, 'counts': dict(report.counts)}, sys.stdout)
    return 0


if __name__ == '__main__':
    sys.exit(main())
